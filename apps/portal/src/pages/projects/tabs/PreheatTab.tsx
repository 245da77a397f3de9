/**
 * A project's P2P preheat policies: which artifacts (repository, tag, label filters) are pushed to
 * which provider instance, when (manual, on push, schedule); run one now and watch its executions.
 */
import { Button, Group, Modal, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlayerPlay, IconPlus } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, pageOf, unwrap } from '../../../api/client';
import { ConfirmDelete } from '../../../components/ConfirmDelete';
import { ExecutionsTable, type PolicyExecution } from '../../../components/ExecutionsTable';
import { ServerTable, type Column } from '../../../components/ServerTable';
import { formatTime } from '../../../format';
import { useProjectName } from '../use-project';

/** preheat: PreheatPolicyResponse (filters and trigger are JSON text, as Harbor's) */
interface PreheatPolicy {
  id: number;
  name: string;
  description: string;
  provider_id: number;
  provider_name?: string;
  filters: string;
  trigger: string;
  enabled: boolean;
  creation_time: string;
}

function PolicyModal({ opened, onClose, projectName, onSaved }: { opened: boolean; onClose: () => void; projectName: string; onSaved: () => Promise<void> }) {
  const providers = useQuery({
    queryKey: ['projects', projectName, 'preheat', 'providers'],
    queryFn: async () => unwrap<{ id: number; provider: string; enabled: boolean; default: boolean }[]>(await api.GET('/api/v2.0/projects/{project_name_or_id}/preheat/providers', { params: { path: { project_name_or_id: projectName } } })),
  });
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<string | null>(null);
  const [repositories, setRepositories] = useState('**');
  const [tags, setTags] = useState('**');
  const [trigger, setTrigger] = useState<string | null>('manual');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      unwrap(
        await api.POST('/api/v2.0/projects/{project_name_or_id}/preheat/policies', {
          params: { path: { project_name_or_id: projectName } },
          body: {
            name,
            provider_id: Number(provider),
            enabled: true,
            filters: JSON.stringify([
              { type: 'repository', value: repositories },
              { type: 'tag', value: tags },
            ]),
            trigger: JSON.stringify({ type: trigger, trigger_setting: {} }),
          },
        }),
      );
      await onSaved();
      onClose();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not add the policy', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New P2P Preheat Policy" centered size="lg">
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          {providers.data?.length === 0 && <Text c="red">No preheat provider instance: a system administrator adds one under Administration.</Text>}
          <Select label="Provider" required data={(providers.data ?? []).map((entry) => ({ value: String(entry.id), label: entry.provider }))} value={provider} onChange={setProvider} />
          <TextInput label="Name" required value={name} onChange={(event) => setName(event.currentTarget.value)} />
          <TextInput label="Repositories" required value={repositories} onChange={(event) => setRepositories(event.currentTarget.value)} />
          <TextInput label="Tags" required value={tags} onChange={(event) => setTags(event.currentTarget.value)} />
          <Select
            label="Trigger"
            data={[
              { value: 'manual', label: 'Manual' },
              { value: 'event_based', label: 'On push' },
            ]}
            value={trigger}
            onChange={setTrigger}
            allowDeselect={false}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!provider}>
              Add
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function Executions({ projectName, policy }: { projectName: string; policy: PreheatPolicy }) {
  return (
    <ExecutionsTable<PolicyExecution>
      title={`Executions of ${policy.name}`}
      queryKey={['projects', projectName, 'preheat', policy.name, 'executions']}
      emptyText="No executions yet."
      fetchPage={async ({ page, pageSize }) =>
        pageOf<PolicyExecution>(
          await api.GET('/api/v2.0/projects/{project_name_or_id}/preheat/policies/{preheat_policy_name}/executions', {
            params: { path: { project_name_or_id: projectName, preheat_policy_name: policy.name }, query: { page, page_size: pageSize } },
          }),
        )
      }
    />
  );
}

export default function PreheatTab() {
  const projectName = useProjectName();
  const queryClient = useQueryClient();
  const [adding, { open, close }] = useDisclosure(false);
  const [selected, setSelected] = useState<PreheatPolicy | null>(null);
  const queryKey = ['projects', projectName, 'preheat', 'policies'];
  const path = { project_name_or_id: projectName };
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['projects', projectName, 'preheat'] });

  const runNow = async (policy: PreheatPolicy) => {
    try {
      unwrap(await api.POST('/api/v2.0/projects/{project_name_or_id}/preheat/policies/{preheat_policy_name}', { params: { path: { ...path, preheat_policy_name: policy.name } }, body: { id: policy.id } }));
      notifications.show({ color: 'blue', message: `Preheat ${policy.name} started` });
      setSelected(policy);
      await refresh();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not start the preheat', message: errorMessage(error) });
    }
  };

  const columns: Column<PreheatPolicy>[] = [
    { header: 'Name', cell: (policy) => policy.name },
    { header: 'Enabled', cell: (policy) => <Switch aria-label={`Policy ${policy.name} enabled`} checked={policy.enabled} readOnly /> },
    { header: 'Provider', cell: (policy) => policy.provider_name ?? policy.provider_id },
    { header: 'Trigger', cell: (policy) => (JSON.parse(policy.trigger || '{}') as { type?: string }).type ?? '-' },
    { header: 'Creation Time', cell: (policy) => formatTime(policy.creation_time) },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (policy) => (
        <Group gap={4} wrap="nowrap">
          <Button size="xs" variant="light" leftSection={<IconPlayerPlay size={14} aria-hidden />} onClick={() => void runNow(policy)} aria-label={`Execute ${policy.name}`}>
            Execute
          </Button>
          <Button size="xs" variant="subtle" onClick={() => setSelected(policy)} aria-label={`Executions of ${policy.name}`}>
            Executions
          </Button>
          <ConfirmDelete
            subject={`preheat policy ${policy.name}`}
            onConfirm={async () => {
              unwrap(await api.DELETE('/api/v2.0/projects/{project_name_or_id}/preheat/policies/{preheat_policy_name}', { params: { path: { ...path, preheat_policy_name: policy.name } } }));
              if (selected?.id === policy.id) setSelected(null);
              await refresh();
            }}
          />
        </Group>
      ),
    },
  ];
  return (
    <>
      <ServerTable
        label="P2P preheat policies"
        queryKey={queryKey}
        columns={columns}
        rowKey={(policy) => policy.id}
        toolbar={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
            New Policy
          </Button>
        }
        fetchPage={async ({ page, pageSize }) => pageOf<PreheatPolicy>(await api.GET('/api/v2.0/projects/{project_name_or_id}/preheat/policies', { params: { path, query: { page, page_size: pageSize } } }))}
      />
      {selected && <Executions projectName={projectName} policy={selected} />}
      {adding && <PolicyModal opened={adding} onClose={close} projectName={projectName} onSaved={refresh} />}
    </>
  );
}
