/**
 * Replications (Harbor's Administration > Replications): the rules, and below them the executions
 * (all, or the selected rule's), polled while one runs. "Replicate" starts an execution; an
 * execution's page lists its tasks with their logs.
 */
import { Anchor, Badge, Button, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPencil, IconPlayerPlay, IconPlayerStop, IconPlus } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, pageOf, unwrap } from '../../api/client';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { ServerTable, type Column } from '../../components/ServerTable';
import { formatTime } from '../../format';
import { ConfirmAction, IconAction, useAdminAction } from './admin-actions';
import type { ReplicationExecution, ReplicationPolicy } from './admin-models';
import { duration, ExecutionProgress, isReplicationRunning } from './replication-status';
import { REPLICATION_KEY, ReplicationPolicyModal } from './ReplicationPolicyModal';

const TRIGGER_WORDS: Record<string, string> = { manual: 'Manual', scheduled: 'Scheduled', event_based: 'Event Based' };

function side(registry: ReplicationPolicy['src_registry']): string {
  return registry.id === 0 ? 'Local' : `${registry.name}${registry.url ? ` (${registry.url})` : ''}`;
}


function ExecutionsTable({ policyId, policies }: { policyId: string | null; policies: ReplicationPolicy[] }) {
  const act = useAdminAction();
  const names = new Map(policies.map((policy) => [policy.id, policy.name]));
  const columns: Column<ReplicationExecution>[] = [
    {
      header: 'ID',
      cell: (execution) => (
        <Anchor component={Link} to={`/admin/replications/executions/${execution.id}`} aria-label={`Execution ${execution.id}`}>
          {execution.id}
        </Anchor>
      ),
    },
    { header: 'Rule', cell: (execution) => names.get(execution.policy_id) ?? execution.policy_id },
    { header: 'Status', cell: (execution) => <ExecutionProgress execution={execution} /> },
    { header: 'Trigger', cell: (execution) => TRIGGER_WORDS[execution.trigger] ?? execution.trigger },
    { header: 'Start Time', cell: (execution) => formatTime(execution.start_time) },
    { header: 'Duration', cell: (execution) => duration(execution.start_time, execution.end_time) },
    { header: 'Success Rate', cell: (execution) => (execution.total ? `${Math.round((execution.succeed / execution.total) * 100)}%` : '-') },
    { header: 'Message', cell: (execution) => <Text size="xs">{execution.status_text}</Text> },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (execution) =>
        isReplicationRunning(execution.status) ? (
          <ConfirmAction
            label={`Stop execution ${execution.id}`}
            question={`Stop execution ${execution.id}? Tasks that have not finished are stopped.`}
            confirmLabel="Stop"
            icon={<IconPlayerStop size={16} aria-hidden />}
            onConfirm={() =>
              act({ done: `Stopping execution ${execution.id}`, failed: 'Could not stop the execution' }, async () =>
                unwrap(await api.PUT('/api/v2.0/replication/executions/{id}', { params: { path: { id: execution.id } } })), [REPLICATION_KEY])
            }
          />
        ) : null,
    },
  ];
  return (
    <ServerTable
      key={policyId ?? 'all'}
      label="Replication executions"
      queryKey={[...REPLICATION_KEY, 'executions', policyId]}
      columns={columns}
      rowKey={(execution) => execution.id}
      emptyText="No executions yet."
      refetchInterval={(rows) => (rows.some((execution) => isReplicationRunning(execution.status)) ? 2_000 : false)}
      fetchPage={async ({ page, pageSize }) =>
        pageOf<ReplicationExecution>(
          await api.GET('/api/v2.0/replication/executions', { params: { query: { page, page_size: pageSize, policy_id: policyId ? Number(policyId) : undefined, sort: '-start_time' } } }),
        )
      }
    />
  );
}

export default function ReplicationPage() {
  const [modalOpen, { open, close }] = useDisclosure(false);
  const [editing, setEditing] = useState<ReplicationPolicy | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const act = useAdminAction();
  // rule names for the executions table and its filter
  const allPolicies = useQuery({
    queryKey: [...REPLICATION_KEY, 'policies', 'all'],
    queryFn: async () => unwrap<ReplicationPolicy[]>(await api.GET('/api/v2.0/replication/policies', { params: { query: { page_size: 100, sort: 'name' } } })),
  });

  const replicate = (policy: ReplicationPolicy) =>
    act({ done: `Started replication of ${policy.name}`, failed: `Could not start ${policy.name}` }, async () => unwrap(await api.POST('/api/v2.0/replication/executions', { body: { policy_id: policy.id } })), [
      REPLICATION_KEY,
    ]).then((started) => started && setSelected(String(policy.id)));

  const columns: Column<ReplicationPolicy>[] = [
    { header: 'Name', cell: (policy) => policy.name },
    {
      header: 'Status',
      cell: (policy) => (
        <Badge variant="light" color={policy.enabled ? 'green' : 'gray'}>
          {policy.enabled ? 'Enabled' : 'Disabled'}
        </Badge>
      ),
    },
    { header: 'Source registry', cell: (policy) => side(policy.src_registry) },
    { header: 'Replication mode', cell: (policy) => (policy.src_registry.id === 0 ? 'push-based' : 'pull-based') },
    { header: 'Destination', cell: (policy) => `${side(policy.dest_registry)}${policy.dest_namespace ? ` / ${policy.dest_namespace}` : ''}` },
    { header: 'Trigger', cell: (policy) => `${TRIGGER_WORDS[policy.trigger.type] ?? policy.trigger.type}${policy.trigger.type === 'scheduled' ? ` (${policy.trigger.trigger_settings.cron})` : ''}` },
    { header: 'Description', cell: (policy) => policy.description || '-' },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (policy) => (
        <Group gap={4} wrap="nowrap">
          <ConfirmAction
            label={`Replicate ${policy.name}`}
            question={`Replicate the resources of rule ${policy.name} now?`}
            confirmLabel="Replicate"
            color="blue"
            disabled={!policy.enabled}
            icon={<IconPlayerPlay size={16} aria-hidden />}
            onConfirm={() => replicate(policy)}
          />
          <IconAction
            label={`Edit rule ${policy.name}`}
            onClick={() => {
              setEditing(policy);
              open();
            }}
          >
            <IconPencil size={16} aria-hidden />
          </IconAction>
          <ConfirmDelete
            subject={`replication rule ${policy.name}`}
            onConfirm={async () => {
              unwrap(await api.DELETE('/api/v2.0/replication/policies/{id}', { params: { path: { id: policy.id } } }));
              await queryClient.invalidateQueries({ queryKey: REPLICATION_KEY });
            }}
          />
        </Group>
      ),
    },
  ];

  return (
    <Stack gap="xl">
      <div>
        <Title order={2} mb="md">
          Replications
        </Title>
        <ServerTable
          label="Replication rules"
          queryKey={[...REPLICATION_KEY, 'policies', 'list']}
          searchLabel="Search rules"
          columns={columns}
          rowKey={(policy) => policy.id}
          toolbar={
            <Button
              leftSection={<IconPlus size={16} aria-hidden />}
              onClick={() => {
                setEditing(null);
                open();
              }}
            >
              New Replication Rule
            </Button>
          }
          fetchPage={async ({ page, pageSize, search }) =>
            pageOf<ReplicationPolicy>(await api.GET('/api/v2.0/replication/policies', { params: { query: { page, page_size: pageSize, name: search || undefined, sort: 'name' } } }))
          }
        />
      </div>
      <div>
        <Group justify="space-between" mb="sm">
          <Title order={3}>Executions</Title>
          <Select
            label="Executions of rule"
            placeholder="all rules"
            clearable
            w={260}
            data={(allPolicies.data ?? []).map((policy) => ({ value: String(policy.id), label: policy.name }))}
            value={selected}
            onChange={setSelected}
          />
        </Group>
        <ExecutionsTable policyId={selected} policies={allPolicies.data ?? []} />
      </div>
      <ReplicationPolicyModal editing={editing} opened={modalOpen} onClose={close} />
    </Stack>
  );
}
