/**
 * Add or edit a scanner registration (Harbor's "New Scanner"): endpoint, authorization (None, Basic
 * `user:password`, Bearer token, API key), certificate verification, internal registry address;
 * "Test Connection" asks the adapter for its metadata (POST /scanners/ping) before saving. The
 * stored credential is never shown; editing without a new one keeps it.
 */
import { Checkbox, Group, Modal, PasswordInput, Select, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, unwrap } from '../../api/client';
import { useAdminAction } from './admin-actions';
import { EndpointFormButtons } from './EndpointFormButtons';
import type { Scanner } from './admin-models';

export const SCANNERS_KEY = ['admin', 'scanners'] as const;

type Auth = 'None' | 'Basic' | 'Bearer' | 'X-ScannerAdapter-API-Key';
const AUTHS: { value: Auth; label: string }[] = [
  { value: 'None', label: 'None' },
  { value: 'Basic', label: 'Basic' },
  { value: 'Bearer', label: 'Bearer' },
  { value: 'X-ScannerAdapter-API-Key', label: 'APIKey' },
];

interface ScannerFields {
  name: string;
  description: string;
  url: string;
  auth: Auth;
  username: string;
  password: string;
  secret: string;
  skipCertVerify: boolean;
  useInternalAddr: boolean;
}

const EMPTY: ScannerFields = { name: '', description: '', url: '', auth: 'None', username: '', password: '', secret: '', skipCertVerify: false, useInternalAddr: false };

function authOf(auth: string): Auth {
  if (auth === 'APIKey') return 'X-ScannerAdapter-API-Key';
  return (AUTHS.some((entry) => entry.value === auth) ? auth : 'None') as Auth;
}

function fieldsOf(scanner: Scanner): ScannerFields {
  return { ...EMPTY, name: scanner.name, description: scanner.description, url: scanner.url, auth: authOf(scanner.auth), skipCertVerify: scanner.skip_certVerify, useInternalAddr: scanner.use_internal_addr };
}

/** The credential as the api takes it; undefined keeps the stored one on an edit. */
function credentialOf(fields: ScannerFields): string | undefined {
  if (fields.auth === 'None') return undefined;
  if (fields.auth === 'Basic') return fields.username || fields.password ? `${fields.username}:${fields.password}` : undefined;
  return fields.secret || undefined;
}

function settingsOf(fields: ScannerFields) {
  return {
    name: fields.name,
    url: fields.url,
    auth: fields.auth === 'None' ? '' : fields.auth,
    access_credential: credentialOf(fields),
    skip_certVerify: fields.skipCertVerify,
  };
}

function ScannerForm({ editing, onClose }: { editing: Scanner | null; onClose: () => void }) {
  const act = useAdminAction();
  const [fields, setFields] = useState<ScannerFields>(() => (editing ? fieldsOf(editing) : EMPTY));
  const [busy, setBusy] = useState(false);
  const [testing, setTesting] = useState(false);
  const set = <K extends keyof ScannerFields>(name: K, value: ScannerFields[K]) => setFields((current) => ({ ...current, [name]: value }));

  const test = async () => {
    setTesting(true);
    try {
      unwrap(await api.POST('/api/v2.0/scanners/ping', { body: settingsOf(fields) }));
      notifications.show({ color: 'green', message: `Connection to ${fields.url} tested successfully` });
    } catch (error) {
      notifications.show({ color: 'red', title: `Connection to ${fields.url} failed`, message: errorMessage(error) });
    } finally {
      setTesting(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const body = { ...settingsOf(fields), description: fields.description, use_internal_addr: fields.useInternalAddr };
    const saved = await act(
      { done: editing ? `Saved scanner ${fields.name}` : `Added scanner ${fields.name}`, failed: editing ? 'Could not save the scanner' : 'Could not add the scanner' },
      async () =>
        editing
          ? unwrap(await api.PUT('/api/v2.0/scanners/{registration_id}', { params: { path: { registration_id: editing.uuid } }, body }))
          : unwrap(await api.POST('/api/v2.0/scanners', { body })),
      [SCANNERS_KEY],
    );
    setBusy(false);
    if (saved) onClose();
  };

  const keep = editing && editing.auth ? 'leave empty to keep the stored credential' : undefined;
  return (
    <>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <TextInput label="Name" required value={fields.name} onChange={(event) => set('name', event.currentTarget.value)} />
          <TextInput label="Description" value={fields.description} onChange={(event) => set('description', event.currentTarget.value)} />
          <TextInput label="Endpoint" required placeholder="http://scanner-adapter:8080" value={fields.url} onChange={(event) => set('url', event.currentTarget.value)} />
          <Select label="Authorization" allowDeselect={false} data={AUTHS} value={fields.auth} onChange={(value) => set('auth', (value ?? 'None') as Auth)} />
          {fields.auth === 'Basic' && (
            <Group grow>
              <TextInput label="Username" required={!keep} description={keep} value={fields.username} onChange={(event) => set('username', event.currentTarget.value)} />
              <PasswordInput label="Password" required={!keep} value={fields.password} onChange={(event) => set('password', event.currentTarget.value)} />
            </Group>
          )}
          {fields.auth === 'Bearer' && <PasswordInput label="Token" required={!keep} description={keep} value={fields.secret} onChange={(event) => set('secret', event.currentTarget.value)} />}
          {fields.auth === 'X-ScannerAdapter-API-Key' && (
            <PasswordInput label="API Key" required={!keep} description={keep} value={fields.secret} onChange={(event) => set('secret', event.currentTarget.value)} />
          )}
          <Checkbox label="Skip certificate verification" checked={fields.skipCertVerify} onChange={(event) => set('skipCertVerify', event.currentTarget.checked)} />
          <Checkbox label="Use internal registry address" checked={fields.useInternalAddr} onChange={(event) => set('useInternalAddr', event.currentTarget.checked)} />
          <EndpointFormButtons testing={testing} onTest={() => void test()} testDisabled={!fields.url} saving={busy} onCancel={onClose} submitLabel={editing ? 'Save' : 'Add'} />
        </Stack>
      </form>
    </>
  );
}

/** The dialog; its form mounts afresh each time it opens, so it starts from the row being edited. */
export function ScannerModal({ editing, opened, onClose }: { editing: Scanner | null; opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={editing ? `Edit Scanner ${editing.name}` : 'Add Scanner'} size="lg" centered>
      {opened && <ScannerForm editing={editing} onClose={onClose} />}
    </Modal>
  );
}
