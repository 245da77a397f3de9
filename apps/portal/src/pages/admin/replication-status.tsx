/**
 * Replication's status words (the api keeps Harbor's older ones: InProgress, Succeed, Failed,
 * Stopped) shown as people read them, with the shell's colours, and an execution's task counts as
 * a progress bar.
 */
import { Badge, Group, Progress, Text } from '@mantine/core';
import { isFinalStatus, statusColour } from '../../components/JobProgress';
import type { ReplicationExecution } from './admin-models';

const WORDS: Record<string, string> = { InProgress: 'In Progress', Succeed: 'Succeeded', Failed: 'Failed', Stopped: 'Stopped', Pending: 'Pending' };

export function replicationStatusText(status: string): string {
  return WORDS[status] ?? status;
}

export function isReplicationRunning(status: string): boolean {
  return status === 'InProgress' || status === 'Pending';
}

export function ReplicationStatusBadge({ status }: { status: string }) {
  // the shell's colours know Success/Error/Running; Succeed and Failed are final too
  const colour = status === 'Succeed' ? 'green' : status === 'Failed' ? 'red' : statusColour(status);
  return (
    // max-content: a narrow table column must not cut the word short
    <Badge color={colour} variant="light" style={{ minWidth: 'max-content' }}>
      {replicationStatusText(status)}
    </Badge>
  );
}

/** Status, a bar of the tasks done so far, and the counts. */
export function ExecutionProgress({ execution }: { execution: ReplicationExecution }) {
  const done = execution.succeed + execution.failed + execution.stopped;
  const running = isReplicationRunning(execution.status) && !isFinalStatus(execution.status);
  const percent = execution.total ? Math.round((done / execution.total) * 100) : running ? 0 : 100;
  return (
    <Group gap="xs" wrap="nowrap">
      <ReplicationStatusBadge status={execution.status} />
      <Progress value={percent} w={90} animated={running} color={execution.failed ? 'red' : 'green'} aria-label={`${done} of ${execution.total} tasks done`} />
      <Text size="xs">{`${done}/${execution.total}`}</Text>
    </Group>
  );
}

/** How long a job ran (or has been running). */
export function duration(start: string, end: string | null): string {
  const millis = (end ? new Date(end).getTime() : Date.now()) - new Date(start).getTime();
  if (!Number.isFinite(millis) || millis < 0) return '-';
  const seconds = Math.round(millis / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}
