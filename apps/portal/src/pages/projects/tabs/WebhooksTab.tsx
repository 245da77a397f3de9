/**
 * A project's webhooks: policies (endpoint, events, enabled) and, per policy, its deliveries
 * (executions) with their status, polled while one is still running.
 */
import { Anchor, Button, Checkbox, Group, Modal, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, pageOf, unwrap } from '../../../api/client';
import { ConfirmDelete } from '../../../components/ConfirmDelete';
import { ExecutionsTable, type PolicyExecution } from '../../../components/ExecutionsTable';
import { ServerTable, type Column } from '../../../components/ServerTable';
import { formatTime } from '../../../format';
import { useProjectName } from '../use-project';

/** webhooks: WebhookPolicyResponse */
interface WebhookPolicy {
  id: number;
  name: string;
  description: string;
  enabled: boolean;
  event_types: string[];
  targets: { type: string; address: string; skip_cert_verify: boolean; payload_format?: string }[];
  creation_time: string;
}

/** jobs: an execution of a webhook policy (one delivery of one event) */
interface Delivery extends PolicyExecution {
  extra_attrs?: { event_type?: string };
}

type EventType = 'PUSH_ARTIFACT';

function WebhookModal({ opened, onClose, projectName, onSaved }: { opened: boolean; onClose: () => void; projectName: string; onSaved: () => Promise<void> }) {
  const events = useQuery({
    queryKey: ['projects', projectName, 'webhook', 'events'],
    queryFn: async () => unwrap<{ event_type: string[] }>(await api.GET('/api/v2.0/projects/{project_name_or_id}/webhook/events', { params: { path: { project_name_or_id: projectName } } })),
  });
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [format, setFormat] = useState<string | null>('Default');
  const [skipVerify, setSkipVerify] = useState(false);
  const [eventTypes, setEventTypes] = useState<string[]>(['PUSH_ARTIFACT']);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      unwrap(
        await api.POST('/api/v2.0/projects/{project_name_or_id}/webhook/policies', {
          params: { path: { project_name_or_id: projectName } },
          body: {
            name,
            enabled: true,
            event_types: eventTypes as EventType[],
            targets: [{ type: 'http', address, skip_cert_verify: skipVerify, payload_format: (format ?? 'Default') as 'Default' | 'CloudEvents' }],
          },
        }),
      );
      await onSaved();
      onClose();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not add the webhook', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Add Webhook" centered size="lg">
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <TextInput label="Name" required value={name} onChange={(event) => setName(event.currentTarget.value)} />
          <TextInput label="Endpoint URL" required type="url" value={address} onChange={(event) => setAddress(event.currentTarget.value)} />
          <Select label="Payload Format" data={['Default', 'CloudEvents']} value={format} onChange={setFormat} allowDeselect={false} />
          <Checkbox label="Verify Remote Certificate" checked={!skipVerify} onChange={(event) => setSkipVerify(!event.currentTarget.checked)} />
          <Checkbox.Group label="Event Type" value={eventTypes} onChange={setEventTypes} required>
            <Group mt="xs">
              {(events.data?.event_type ?? []).map((type) => (
                <Checkbox key={type} value={type} label={type} />
              ))}
            </Group>
          </Checkbox.Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={eventTypes.length === 0}>
              Add
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function Deliveries({ projectName, policy }: { projectName: string; policy: WebhookPolicy }) {
  return (
    <ExecutionsTable<Delivery>
      title={`Deliveries of ${policy.name}`}
      queryKey={['projects', projectName, 'webhook', policy.id, 'executions']}
      emptyText="No deliveries yet."
      extraColumns={[{ header: 'Event Type', cell: (delivery) => delivery.extra_attrs?.event_type ?? '-' }]}
      fetchPage={async ({ page, pageSize }) =>
        pageOf<Delivery>(
          await api.GET('/api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions', {
            params: { path: { project_name_or_id: projectName, webhook_policy_id: policy.id }, query: { page, page_size: pageSize } },
          }),
        )
      }
    />
  );
}

export default function WebhooksTab() {
  const projectName = useProjectName();
  const queryClient = useQueryClient();
  const [adding, { open, close }] = useDisclosure(false);
  const [selected, setSelected] = useState<WebhookPolicy | null>(null);
  const queryKey = ['projects', projectName, 'webhook', 'policies'];
  const path = { project_name_or_id: projectName };
  const refresh = () => queryClient.invalidateQueries({ queryKey });
  const setEnabled = async (policy: WebhookPolicy, enabled: boolean) => {
    try {
      unwrap(
        await api.PUT('/api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}', {
          params: { path: { ...path, webhook_policy_id: policy.id } },
          body: { name: policy.name, description: policy.description, enabled, event_types: policy.event_types as EventType[], targets: policy.targets.map((target) => ({ ...target, payload_format: target.payload_format as 'Default' | undefined })) },
        }),
      );
      await refresh();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not update the webhook', message: errorMessage(error) });
    }
  };
  const columns: Column<WebhookPolicy>[] = [
    {
      header: 'Name',
      cell: (policy) => (
        <Anchor component="button" type="button" onClick={() => setSelected(policy)}>
          {policy.name}
        </Anchor>
      ),
    },
    { header: 'Enabled', cell: (policy) => <Switch aria-label={`Webhook ${policy.name} enabled`} checked={policy.enabled} onChange={(event) => void setEnabled(policy, event.currentTarget.checked)} /> },
    { header: 'Endpoint', cell: (policy) => policy.targets.map((target) => target.address).join(', ') },
    { header: 'Event Types', cell: (policy) => <Text size="xs">{policy.event_types.join(', ')}</Text> },
    { header: 'Creation Time', cell: (policy) => formatTime(policy.creation_time) },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (policy) => (
        <ConfirmDelete
          subject={`webhook ${policy.name}`}
          onConfirm={async () => {
            unwrap(await api.DELETE('/api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}', { params: { path: { ...path, webhook_policy_id: policy.id } } }));
            if (selected?.id === policy.id) setSelected(null);
            await refresh();
          }}
        />
      ),
    },
  ];
  return (
    <>
      <ServerTable
        label="Webhooks"
        queryKey={queryKey}
        columns={columns}
        rowKey={(policy) => policy.id}
        toolbar={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
            New Webhook
          </Button>
        }
        fetchPage={async ({ page, pageSize }) => pageOf<WebhookPolicy>(await api.GET('/api/v2.0/projects/{project_name_or_id}/webhook/policies', { params: { path, query: { page, page_size: pageSize } } }))}
      />
      {selected && <Deliveries projectName={projectName} policy={selected} />}
      {adding && <WebhookModal opened={adding} onClose={close} projectName={projectName} onSaved={refresh} />}
    </>
  );
}
