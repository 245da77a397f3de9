import { randomBytes } from 'node:crypto';

/**
 * The BullMQ job id of one run of a task: `<kind>-<key>-<random>`, recorded on the task
 * (ExecutionService.attachJob). The random part keeps ids unique across database lifetimes: a
 * database restored from a backup or recreated beside the same Redis counts its executions and
 * tasks from the same numbers again, and BullMQ silently keeps a job it already holds under an
 * id (even one that completed long ago) instead of queueing the new one.
 */
export function taskJobId(kind: string, key: number): string {
  return `${kind}-${key}-${randomBytes(8).toString('hex')}`;
}
