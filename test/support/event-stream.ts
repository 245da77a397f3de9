import type { INestApplicationContext } from '@nestjs/common';
import { EventStream, PullEventBuffer } from '@wharf/events';
import { eventually } from './eventually';

/**
 * Waits until the worker's consumers of the event stream (all, or those named) have passed
 * every event written so far, the pulls the api still buffers included: what they derive from
 * events (audit entries, webhook executions) is then written.
 */
export async function streamConsumed(api: INestApplicationContext, names?: string[], timeoutMs = 30_000): Promise<void> {
  await api.get(PullEventBuffer).flush();
  const stream = api.get(EventStream);
  await eventually(async () => (await stream.lag()).filter((c) => !names || names.includes(c.name)).every((c) => c.behind === 0), timeoutMs);
}
