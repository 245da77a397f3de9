/**
 * A job's live state: polls its execution while it runs (react-query refetchInterval) and shows the
 * status with a progress bar from its task counts; polling stops once the job reaches a final state.
 */
import { Badge, Group, Progress, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';

export interface ExecutionState {
  status: string;
  /** tasks done and in total, when the job has tasks */
  done?: number;
  total?: number;
}

const FINAL = new Set(['success', 'succeed', 'error', 'failed', 'stopped', 'finished', 'skipped']);
const RUNNING_POLL_MS = 2_000;

export function isFinalStatus(status: string | undefined): boolean {
  return status !== undefined && FINAL.has(status.toLowerCase());
}

export function statusColour(status: string | undefined): string {
  const value = (status ?? '').toLowerCase();
  if (value === 'success' || value === 'succeed' || value === 'finished') return 'green';
  if (value === 'error' || value === 'failed') return 'red';
  if (value === 'stopped' || value === 'skipped') return 'gray';
  return 'blue';
}

export function StatusBadge({ status }: { status: string | undefined }) {
  return (
    <Badge color={statusColour(status)} variant="light">
      {status ?? 'unknown'}
    </Badge>
  );
}

export function JobProgress({ queryKey, fetchState }: { queryKey: readonly unknown[]; fetchState: () => Promise<ExecutionState> }) {
  const state = useQuery({
    queryKey,
    queryFn: fetchState,
    refetchInterval: (query) => (isFinalStatus(query.state.data?.status) ? false : RUNNING_POLL_MS),
  });
  if (!state.data) return <Text size="sm">…</Text>;
  const { status, done, total } = state.data;
  const percent = total ? Math.round(((done ?? 0) / total) * 100) : isFinalStatus(status) ? 100 : undefined;
  return (
    <Group gap="xs" wrap="nowrap">
      <StatusBadge status={status} />
      {percent !== undefined && <Progress value={percent} w={100} animated={!isFinalStatus(status)} aria-label={`${percent}% done`} />}
      {total ? <Text size="xs">{`${done ?? 0}/${total}`}</Text> : null}
    </Group>
  );
}
