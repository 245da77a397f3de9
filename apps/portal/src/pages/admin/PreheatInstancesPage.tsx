/**
 * P2P preheat instances (Harbor's Administration > Distributions): Dragonfly and Kraken endpoints
 * that project preheat policies hand artifacts to. List, create, edit, test connection (ping), set
 * the default, enable or disable, delete. PUT replaces an instance, so toggles send it whole; its
 * auth_info comes back masked (`*****`), which the api reads as "keep the stored secret".
 */
import { Badge, Checkbox, Group, Modal, PasswordInput, Select, Stack, TextInput, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, pageOf, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { ServerTable, type Column } from '../../components/ServerTable';
import { useAdminAction } from './admin-actions';
import { EndpointFormButtons } from './EndpointFormButtons';
import { EndpointRowActions, NewButton } from './EndpointRowActions';
import type { PreheatInstance, PreheatProvider } from './admin-models';
import { HealthBadge } from './HealthBadge';

const PREHEAT_KEY = ['admin', 'preheat-instances'] as const;
const MASKED = '*****';
type InstanceBody = components['schemas']['PreheatInstanceRequest'];
type AuthMode = PreheatInstance['auth_mode'];

interface InstanceFields {
  vendor: PreheatInstance['vendor'];
  name: string;
  description: string;
  endpoint: string;
  apiVersion: string;
  authMode: AuthMode;
  username: string;
  password: string;
  token: string;
  headerName: string;
  headerValue: string;
  enabled: boolean;
  isDefault: boolean;
  insecure: boolean;
}

const EMPTY: InstanceFields = {
  vendor: 'dragonfly',
  name: '',
  description: '',
  endpoint: '',
  apiVersion: 'v2',
  authMode: 'NONE',
  username: '',
  password: '',
  token: '',
  headerName: '',
  headerValue: '',
  enabled: true,
  isDefault: false,
  insecure: false,
};

function fieldsOf(instance: PreheatInstance): InstanceFields {
  const info = instance.auth_info ?? {};
  const custom = instance.auth_mode === 'CUSTOM' ? Object.entries(info)[0] : undefined;
  return {
    vendor: instance.vendor,
    name: instance.name,
    description: instance.description,
    endpoint: instance.endpoint,
    apiVersion: instance.api_version || (instance.vendor === 'dragonfly' ? 'v2' : ''),
    authMode: instance.auth_mode,
    username: info.username ?? '',
    password: info.password ?? '',
    token: info.token ?? '',
    headerName: custom?.[0] ?? '',
    headerValue: custom?.[1] ?? '',
    enabled: instance.enabled,
    isDefault: instance.default,
    insecure: instance.insecure,
  };
}

function authInfoOf(fields: InstanceFields): Record<string, string> | undefined {
  if (fields.authMode === 'BASIC') return { username: fields.username, password: fields.password };
  if (fields.authMode === 'OAUTH') return { token: fields.token };
  if (fields.authMode === 'CUSTOM') return { [fields.headerName]: fields.headerValue };
  return undefined;
}

function bodyOf(fields: InstanceFields): InstanceBody {
  return {
    name: fields.name,
    description: fields.description,
    vendor: fields.vendor,
    api_version: fields.vendor === 'dragonfly' ? fields.apiVersion : '',
    endpoint: fields.endpoint,
    auth_mode: fields.authMode,
    auth_info: authInfoOf(fields),
    enabled: fields.enabled,
    default: fields.isDefault,
    insecure: fields.insecure,
  };
}

async function ping(body: Record<string, unknown>, name: string): Promise<void> {
  try {
    unwrap(await api.POST('/api/v2.0/p2p/preheat/instances/ping', { body }));
    notifications.show({ color: 'green', message: `Connection to ${name} tested successfully` });
  } catch (error) {
    notifications.show({ color: 'red', title: `Connection to ${name} failed`, message: errorMessage(error) });
  }
}

function InstanceForm({ editing, onClose }: { editing: PreheatInstance | null; onClose: () => void }) {
  const act = useAdminAction();
  const [fields, setFields] = useState<InstanceFields>(() => (editing ? fieldsOf(editing) : EMPTY));
  const [busy, setBusy] = useState(false);
  const [testing, setTesting] = useState(false);
  const providers = useQuery({
    queryKey: [...PREHEAT_KEY, 'providers'],
    queryFn: async () => unwrap<PreheatProvider[]>(await api.GET('/api/v2.0/p2p/preheat/providers')),
  });
  const set = <K extends keyof InstanceFields>(name: K, value: InstanceFields[K]) => setFields((current) => ({ ...current, [name]: value }));
  const provider = providers.data?.find((entry) => entry.id === fields.vendor);

  const test = async () => {
    setTesting(true);
    await ping(editing ? { ...bodyOf(fields), id: editing.id } : bodyOf(fields), fields.name || fields.endpoint);
    setTesting(false);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const saved = await act(
      { done: editing ? `Saved instance ${fields.name}` : `Created instance ${fields.name}`, failed: editing ? 'Could not save the instance' : 'Could not create the instance' },
      async () =>
        editing
          ? unwrap(await api.PUT('/api/v2.0/p2p/preheat/instances/{preheat_instance_name}', { params: { path: { preheat_instance_name: editing.name } }, body: bodyOf(fields) }))
          : unwrap(await api.POST('/api/v2.0/p2p/preheat/instances', { body: bodyOf(fields) })),
      [PREHEAT_KEY],
    );
    setBusy(false);
    if (saved) onClose();
  };

  const secretDescription = editing ? `leave ${MASKED} to keep the stored value` : undefined;
  return (
    <>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Select
            label="Provider"
            required
            allowDeselect={false}
            data={(providers.data ?? [{ id: 'dragonfly', name: 'Dragonfly' } as PreheatProvider, { id: 'kraken', name: 'Kraken' } as PreheatProvider]).map((entry) => ({
              value: entry.id,
              label: entry.version ? `${entry.name} ${entry.version}` : entry.name,
            }))}
            value={fields.vendor}
            onChange={(value) => set('vendor', (value ?? 'dragonfly') as InstanceFields['vendor'])}
          />
          <TextInput label="Name" required value={fields.name} onChange={(event) => set('name', event.currentTarget.value)} />
          <TextInput label="Description" value={fields.description} onChange={(event) => set('description', event.currentTarget.value)} />
          <TextInput label="Endpoint" required placeholder="http://dragonfly-manager:8080" value={fields.endpoint} onChange={(event) => set('endpoint', event.currentTarget.value)} />
          {fields.vendor === 'dragonfly' && (
            <Select label="API version" allowDeselect={false} data={provider?.api_versions ?? ['v2', 'v1']} value={fields.apiVersion} onChange={(value) => set('apiVersion', value ?? 'v2')} />
          )}
          <Select
            label="Auth Mode"
            allowDeselect={false}
            data={(provider?.auth_mode ?? ['NONE', 'BASIC', 'OAUTH', 'CUSTOM']).map((mode) => ({ value: mode, label: mode }))}
            value={fields.authMode}
            onChange={(value) => set('authMode', (value ?? 'NONE') as AuthMode)}
          />
          {fields.authMode === 'BASIC' && (
            <Group grow>
              <TextInput label="Username" required value={fields.username} onChange={(event) => set('username', event.currentTarget.value)} />
              <PasswordInput label="Password" required description={secretDescription} value={fields.password} onChange={(event) => set('password', event.currentTarget.value)} />
            </Group>
          )}
          {fields.authMode === 'OAUTH' && <PasswordInput label="Token" required description={secretDescription} value={fields.token} onChange={(event) => set('token', event.currentTarget.value)} />}
          {fields.authMode === 'CUSTOM' && (
            <Group grow>
              <TextInput label="Header name" required value={fields.headerName} onChange={(event) => set('headerName', event.currentTarget.value)} />
              <PasswordInput label="Header value" required description={secretDescription} value={fields.headerValue} onChange={(event) => set('headerValue', event.currentTarget.value)} />
            </Group>
          )}
          <Checkbox label="Enable" checked={fields.enabled} onChange={(event) => set('enabled', event.currentTarget.checked)} />
          <Checkbox label="Default instance" checked={fields.isDefault} onChange={(event) => set('isDefault', event.currentTarget.checked)} />
          <Checkbox label="Skip certificate verification" checked={fields.insecure} onChange={(event) => set('insecure', event.currentTarget.checked)} />
          <EndpointFormButtons testing={testing} onTest={() => void test()} testDisabled={!fields.endpoint} saving={busy} onCancel={onClose} />
        </Stack>
      </form>
    </>
  );
}

/** The dialog; its form mounts afresh each time it opens, so it starts from the row being edited. */
function InstanceModal({ editing, opened, onClose }: { editing: PreheatInstance | null; opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={editing ? `Edit Instance ${editing.name}` : 'New Instance'} size="lg" centered>
      {opened && <InstanceForm editing={editing} onClose={onClose} />}
    </Modal>
  );
}

export default function PreheatInstancesPage() {
  const [modalOpen, { open, close }] = useDisclosure(false);
  const [editing, setEditing] = useState<PreheatInstance | null>(null);
  const [pinging, setPinging] = useState<number | null>(null);
  const queryClient = useQueryClient();
  const act = useAdminAction();

  const replace = (instance: PreheatInstance, change: Partial<InstanceFields>, done: string) =>
    act({ done, failed: `Could not change ${instance.name}` }, async () =>
      unwrap(await api.PUT('/api/v2.0/p2p/preheat/instances/{preheat_instance_name}', { params: { path: { preheat_instance_name: instance.name } }, body: bodyOf({ ...fieldsOf(instance), ...change }) })),
    [PREHEAT_KEY]);

  const testExisting = async (instance: PreheatInstance) => {
    setPinging(instance.id);
    await ping({ id: instance.id }, instance.name);
    setPinging(null);
    await queryClient.invalidateQueries({ queryKey: PREHEAT_KEY });
  };

  const columns: Column<PreheatInstance>[] = [
    {
      header: 'Name',
      cell: (instance) => (
        <Group gap={6}>
          {instance.name}
          {instance.default && (
            <Badge size="sm" variant="light" color="indigo">
              Default
            </Badge>
          )}
        </Group>
      ),
    },
    { header: 'Endpoint', cell: (instance) => instance.endpoint },
    { header: 'Provider', cell: (instance) => (instance.vendor === 'dragonfly' ? `Dragonfly${instance.api_version ? ` (${instance.api_version})` : ''}` : 'Kraken') },
    { header: 'Status', cell: (instance) => <HealthBadge status={instance.status} message={instance.status_message} /> },
    {
      header: 'Enabled',
      cell: (instance) => (
        <Badge variant="light" color={instance.enabled ? 'green' : 'gray'}>
          {instance.enabled ? 'Enabled' : 'Disabled'}
        </Badge>
      ),
    },
    { header: 'Auth Mode', cell: (instance) => instance.auth_mode },
    { header: 'Setup Time', cell: (instance) => (instance.setup_timestamp ? new Date(instance.setup_timestamp * 1000).toLocaleString() : '-') },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (instance) => (
        <EndpointRowActions
          name={instance.name}
          kind="instance"
          testing={pinging === instance.id}
          onTest={() => void testExisting(instance)}
          makeDefault={{ isDefault: instance.default, onSet: () => void replace(instance, { isDefault: true }, `${instance.name} is the default instance`) }}
          switchable={{
            enabled: instance.enabled,
            onSwitch: () => void replace(instance, { enabled: !instance.enabled }, instance.enabled ? `Disabled ${instance.name}` : `Enabled ${instance.name}`),
          }}
          onEdit={() => {
            setEditing(instance);
            open();
          }}
          onDelete={async () => {
            unwrap(await api.DELETE('/api/v2.0/p2p/preheat/instances/{preheat_instance_name}', { params: { path: { preheat_instance_name: instance.name } } }));
            await queryClient.invalidateQueries({ queryKey: PREHEAT_KEY });
          }}
        />
      ),
    },
  ];

  return (
    <>
      <Title order={2} mb="md">
        P2P Preheat Instances
      </Title>
      <ServerTable
        label="Preheat instances"
        queryKey={[...PREHEAT_KEY, 'list']}
        searchLabel="Search instances"
        columns={columns}
        rowKey={(instance) => instance.id}
        toolbar={
          <NewButton
            onClick={() => {
              setEditing(null);
              open();
            }}
          >
            New Instance
          </NewButton>
        }
        fetchPage={async ({ page, pageSize, search }) =>
          pageOf<PreheatInstance>(await api.GET('/api/v2.0/p2p/preheat/instances', { params: { query: { page, page_size: pageSize, q: search ? `name=~${search}` : undefined } } }))
        }
      />
      <InstanceModal editing={editing} opened={modalOpen} onClose={close} />
    </>
  );
}
