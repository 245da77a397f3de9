/**
 * Registry endpoints (Harbor's Administration > Registries): the upstreams of proxy-cache projects
 * and the other side of replication policies. List, create, edit, delete, and "Test connection"
 * (POST /registries/ping: a stored endpoint by id, or the form's fields before saving).
 */
import { Checkbox, Modal, PasswordInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, pageOf, unwrap } from '../../api/client';
import { ServerTable, type Column } from '../../components/ServerTable';
import { formatTime } from '../../format';
import { useAdminAction } from './admin-actions';
import { EndpointFormButtons } from './EndpointFormButtons';
import { EndpointRowActions, NewButton } from './EndpointRowActions';
import type { RegistryEndpoint } from './admin-models';
import { HealthBadge } from './HealthBadge';

export const REGISTRIES_KEY = ['admin', 'registries'] as const;
const MASKED = '*****';

type RegistryType = 'docker-registry' | 'harbor' | 'docker-hub' | 'github-ghcr' | 'quay' | 'google-gcr';
const TYPE_NAMES: Record<RegistryType, string> = {
  'docker-registry': 'Docker Registry',
  harbor: 'Harbor',
  'docker-hub': 'Docker Hub',
  'github-ghcr': 'GitHub GHCR',
  quay: 'Quay',
  'google-gcr': 'Google GCR',
};

export function typeName(type: string): string {
  return TYPE_NAMES[type as RegistryType] ?? type;
}


interface RegistryFields {
  type: RegistryType;
  name: string;
  description: string;
  url: string;
  accessKey: string;
  accessSecret: string;
  verifyCertificate: boolean;
}

const EMPTY: RegistryFields = { type: 'docker-registry', name: '', description: '', url: '', accessKey: '', accessSecret: '', verifyCertificate: true };

function fieldsOf(endpoint: RegistryEndpoint): RegistryFields {
  return {
    type: endpoint.type as RegistryType,
    name: endpoint.name,
    description: endpoint.description,
    url: endpoint.url,
    accessKey: endpoint.credential?.access_key ?? '',
    accessSecret: endpoint.credential ? MASKED : '',
    verifyCertificate: !endpoint.insecure,
  };
}

/** The request body the form stands for; an empty access ID is an anonymous endpoint. */
function bodyOf(fields: RegistryFields) {
  return {
    type: fields.type,
    name: fields.name,
    description: fields.description,
    url: fields.url,
    insecure: !fields.verifyCertificate,
    credential: fields.accessKey ? { type: 'basic' as const, access_key: fields.accessKey, access_secret: fields.accessSecret } : null,
  };
}

async function ping(body: Record<string, unknown>, name: string): Promise<void> {
  try {
    unwrap(await api.POST('/api/v2.0/registries/ping', { body }));
    notifications.show({ color: 'green', message: `Connection to ${name} tested successfully` });
  } catch (error) {
    notifications.show({ color: 'red', title: `Connection to ${name} failed`, message: errorMessage(error) });
  }
}

function RegistryForm({ editing, onClose }: { editing: RegistryEndpoint | null; onClose: () => void }) {
  const act = useAdminAction();
  const [fields, setFields] = useState<RegistryFields>(() => (editing ? fieldsOf(editing) : EMPTY));
  const [busy, setBusy] = useState(false);
  const [testing, setTesting] = useState(false);
  const adapters = useQuery({
    queryKey: ['admin', 'replication', 'adapters'],
    queryFn: async () => unwrap<RegistryType[]>(await api.GET('/api/v2.0/replication/adapters')),
  });
  const set = <K extends keyof RegistryFields>(name: K, value: RegistryFields[K]) => setFields((current) => ({ ...current, [name]: value }));

  const test = async () => {
    setTesting(true);
    await ping(editing ? { ...bodyOf(fields), id: editing.id } : bodyOf(fields), fields.name || fields.url);
    setTesting(false);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const saved = await act(
      { done: editing ? `Saved endpoint ${fields.name}` : `Created endpoint ${fields.name}`, failed: editing ? 'Could not save the endpoint' : 'Could not create the endpoint' },
      async () =>
        editing
          ? unwrap(await api.PUT('/api/v2.0/registries/{id}', { params: { path: { id: editing.id } }, body: bodyOf(fields) }))
          : unwrap(await api.POST('/api/v2.0/registries', { body: bodyOf(fields) })),
      [REGISTRIES_KEY],
    );
    setBusy(false);
    if (saved) onClose();
  };

  return (
    <>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <Select
            label="Provider"
            required
            allowDeselect={false}
            disabled={editing !== null}
            data={(adapters.data ?? Object.keys(TYPE_NAMES)).map((type) => ({ value: type, label: typeName(type) }))}
            value={fields.type}
            onChange={(value) => set('type', (value ?? 'docker-registry') as RegistryType)}
          />
          <TextInput label="Name" required value={fields.name} onChange={(event) => set('name', event.currentTarget.value)} />
          <TextInput label="Description" value={fields.description} onChange={(event) => set('description', event.currentTarget.value)} />
          <TextInput
            label="Endpoint URL"
            required={fields.type !== 'docker-hub'}
            placeholder="https://registry.example.com"
            value={fields.url}
            onChange={(event) => set('url', event.currentTarget.value)}
          />
          <TextInput label="Access ID" description="leave empty for anonymous access" value={fields.accessKey} onChange={(event) => set('accessKey', event.currentTarget.value)} />
          <PasswordInput
            label="Access Secret"
            description={editing?.credential ? 'leave ***** to keep the stored secret' : undefined}
            disabled={!fields.accessKey}
            value={fields.accessSecret}
            onChange={(event) => set('accessSecret', event.currentTarget.value)}
          />
          <Checkbox label="Verify Remote Cert" checked={fields.verifyCertificate} onChange={(event) => set('verifyCertificate', event.currentTarget.checked)} />
          <EndpointFormButtons testing={testing} onTest={() => void test()} testDisabled={!fields.url && fields.type !== 'docker-hub'} saving={busy} onCancel={onClose} />
        </Stack>
      </form>
    </>
  );
}

/** The dialog; its form mounts afresh each time it opens, so it starts from the row being edited. */
function RegistryModal({ editing, opened, onClose }: { editing: RegistryEndpoint | null; opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={editing ? `Edit Endpoint ${editing.name}` : 'New Registry Endpoint'} centered size="lg">
      {opened && <RegistryForm editing={editing} onClose={onClose} />}
    </Modal>
  );
}

export default function RegistriesPage() {
  const [modalOpen, { open, close }] = useDisclosure(false);
  const [editing, setEditing] = useState<RegistryEndpoint | null>(null);
  const [pinging, setPinging] = useState<number | null>(null);
  const queryClient = useQueryClient();

  const testExisting = async (endpoint: RegistryEndpoint) => {
    setPinging(endpoint.id);
    await ping({ id: endpoint.id }, endpoint.name);
    setPinging(null);
    await queryClient.invalidateQueries({ queryKey: REGISTRIES_KEY });
  };

  const columns: Column<RegistryEndpoint>[] = [
    { header: 'Name', cell: (endpoint) => endpoint.name },
    { header: 'Status', cell: (endpoint) => <HealthBadge status={endpoint.status} message={endpoint.status_message} /> },
    { header: 'Endpoint URL', cell: (endpoint) => endpoint.url },
    { header: 'Provider', cell: (endpoint) => typeName(endpoint.type) },
    { header: 'Verify Remote Cert', cell: (endpoint) => (endpoint.insecure ? 'No' : 'Yes') },
    { header: 'Credential', cell: (endpoint) => (endpoint.credential ? endpoint.credential.access_key || endpoint.credential.type : <Text size="sm" c="dimmed">anonymous</Text>) },
    { header: 'Creation Time', cell: (endpoint) => formatTime(endpoint.creation_time) },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (endpoint) => (
        <EndpointRowActions
          name={endpoint.name}
          kind="endpoint"
          testing={pinging === endpoint.id}
          onTest={() => void testExisting(endpoint)}
          onEdit={() => {
            setEditing(endpoint);
            open();
          }}
          onDelete={async () => {
            unwrap(await api.DELETE('/api/v2.0/registries/{id}', { params: { path: { id: endpoint.id } } }));
            await queryClient.invalidateQueries({ queryKey: REGISTRIES_KEY });
          }}
        />
      ),
    },
  ];

  return (
    <>
      <Title order={2} mb="md">
        Registries
      </Title>
      <ServerTable
        label="Registry endpoints"
        queryKey={[...REGISTRIES_KEY, 'list']}
        searchLabel="Search endpoints"
        columns={columns}
        rowKey={(endpoint) => endpoint.id}
        toolbar={
          <NewButton
            onClick={() => {
              setEditing(null);
              open();
            }}
          >
            New Endpoint
          </NewButton>
        }
        fetchPage={async ({ page, pageSize, search }) =>
          pageOf<RegistryEndpoint>(await api.GET('/api/v2.0/registries', { params: { query: { page, page_size: pageSize, name: search || undefined, sort: 'name' } } }))
        }
      />
      <RegistryModal editing={editing} opened={modalOpen} onClose={close} />
    </>
  );
}
