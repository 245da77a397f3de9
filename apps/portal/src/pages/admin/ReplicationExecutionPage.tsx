/**
 * One replication execution: its status and task counts, polled every two seconds while it runs;
 * its tasks (one per artifact copied or deleted) with their logs; Stop while it runs.
 */
import { Anchor, Breadcrumbs, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconPlayerStop } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, pageOf, unwrap } from '../../api/client';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PageLoader } from '../../components/PageLoader';
import { ServerTable, type Column } from '../../components/ServerTable';
import { formatTime } from '../../format';
import { ConfirmAction, useAdminAction } from './admin-actions';
import type { ReplicationExecution, ReplicationTask } from './admin-models';
import { LogViewer, textOf } from './LogViewer';
import { duration, ExecutionProgress, isReplicationRunning, ReplicationStatusBadge } from './replication-status';
import { REPLICATION_KEY } from './ReplicationPolicyModal';

const POLL_MS = 2_000;

export default function ReplicationExecutionPage() {
  const id = Number(useParams().executionId);
  const act = useAdminAction();
  const execution = useQuery({
    queryKey: [...REPLICATION_KEY, 'execution', id],
    queryFn: async () => unwrap<ReplicationExecution>(await api.GET('/api/v2.0/replication/executions/{id}', { params: { path: { id } } })),
    refetchInterval: (query) => (query.state.data && !isReplicationRunning(query.state.data.status) ? false : POLL_MS),
  });
  if (execution.isPending) return <PageLoader />;
  if (execution.isError) return <ErrorNotice error={execution.error} />;
  const running = isReplicationRunning(execution.data.status);

  const columns: Column<ReplicationTask>[] = [
    { header: 'ID', cell: (task) => task.id },
    { header: 'Resource Type', cell: (task) => task.resource_type },
    { header: 'Source', cell: (task) => <Text size="sm" style={{ wordBreak: 'break-all' }}>{task.src_resource}</Text> },
    { header: 'Destination', cell: (task) => <Text size="sm" style={{ wordBreak: 'break-all' }}>{task.dst_resource}</Text> },
    { header: 'Operation', cell: (task) => task.operation },
    { header: 'Status', cell: (task) => <ReplicationStatusBadge status={task.status} /> },
    { header: 'Message', cell: (task) => <Text size="xs">{task.status_message}</Text> },
    { header: 'Start Time', cell: (task) => formatTime(task.start_time) },
    { header: 'End Time', cell: (task) => formatTime(task.end_time) },
    {
      header: 'Log',
      hiddenHeader: true,
      cell: (task) => (
        <LogViewer
          title={`Log of task ${task.id}`}
          queryKey={[...REPLICATION_KEY, 'task-log', id, task.id]}
          running={isReplicationRunning(task.status)}
          fetchLog={() => textOf(api.GET('/api/v2.0/replication/executions/{id}/tasks/{task_id}/log', { params: { path: { id, task_id: task.id } }, parseAs: 'text' }))}
        />
      ),
    },
  ];

  const figures: [string, string][] = [
    ['Trigger', execution.data.trigger],
    ['Start Time', formatTime(execution.data.start_time)],
    ['Duration', duration(execution.data.start_time, execution.data.end_time)],
    ['Tasks', `${execution.data.succeed} succeeded, ${execution.data.failed} failed, ${execution.data.in_progress} in progress, ${execution.data.stopped} stopped`],
  ];

  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/admin/replications">
          Replications
        </Anchor>
        <Text>{`Execution ${id}`}</Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Group>
          <Title order={2}>{`Execution ${id}`}</Title>
          <ExecutionProgress execution={execution.data} />
        </Group>
        {running && (
          <ConfirmAction
            label={`Stop execution ${id}`}
            text="Stop"
            question={`Stop execution ${id}? Tasks that have not finished are stopped.`}
            confirmLabel="Stop"
            icon={<IconPlayerStop size={16} aria-hidden />}
            onConfirm={() =>
              act({ done: `Stopping execution ${id}`, failed: 'Could not stop the execution' }, async () => unwrap(await api.PUT('/api/v2.0/replication/executions/{id}', { params: { path: { id } } })), [
                REPLICATION_KEY,
              ])
            }
          />
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
        {figures.map(([label, value]) => (
          <Paper key={label} withBorder p="sm">
            <Text size="xs" c="dimmed">
              {label}
            </Text>
            <Text size="sm">{value}</Text>
          </Paper>
        ))}
      </SimpleGrid>
      {execution.data.status_text && (
        <Text size="sm">
          <ReplicationStatusBadge status={execution.data.status} /> {execution.data.status_text}
        </Text>
      )}
      <Title order={3}>Tasks</Title>
      <ServerTable
        label="Replication tasks"
        queryKey={[...REPLICATION_KEY, 'tasks', id]}
        columns={columns}
        rowKey={(task) => task.id}
        emptyText={running ? 'Listing what to replicate…' : 'This execution had nothing to replicate.'}
        refetchInterval={(rows) => (running || rows.some((task) => isReplicationRunning(task.status)) ? POLL_MS : false)}
        fetchPage={async ({ page, pageSize }) => pageOf<ReplicationTask>(await api.GET('/api/v2.0/replication/executions/{id}/tasks', { params: { path: { id }, query: { page, page_size: pageSize } } }))}
      />
    </Stack>
  );
}
