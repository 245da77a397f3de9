/**
 * Configuration (Harbor's Administration > Configuration): the system settings Wharf has (project
 * creation, the default quota of new projects, banner, webhooks to the local network; robot token
 * expiration and read-only mode shown as the api reports them, read-only where it says
 * `editable: false`) and the system CVE allowlist with its expiry.
 */
import { Button, Checkbox, Group, NumberInput, Paper, Select, Stack, Switch, Textarea, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PageLoader } from '../../components/PageLoader';
import { useAdminAction } from './admin-actions';
import type { Configurations, CveAllowlist } from './admin-models';

const CONFIG_KEY = ['admin', 'configurations'] as const;
const ALLOWLIST_KEY = ['admin', 'cve-allowlist'] as const;
const UNITS = { MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const;
type Unit = keyof typeof UNITS;

/** A byte count as the largest unit that divides it (what Harbor's form shows). */
function splitBytes(bytes: number): { amount: number; unit: Unit } {
  for (const unit of ['TiB', 'GiB', 'MiB'] as Unit[]) if (bytes >= UNITS[unit] && bytes % UNITS[unit] === 0) return { amount: bytes / UNITS[unit], unit };
  return { amount: Math.max(1, Math.round(bytes / UNITS.MiB)), unit: 'MiB' };
}

function SystemSettings({ configurations }: { configurations: Configurations }) {
  const act = useAdminAction();
  const [creation, setCreation] = useState(configurations.project_creation_restriction.value);
  const [unlimited, setUnlimited] = useState(configurations.storage_per_project.value < 0);
  const initial = splitBytes(Math.max(configurations.storage_per_project.value, UNITS.GiB));
  const [amount, setAmount] = useState<number | string>(initial.amount);
  const [unit, setUnit] = useState<Unit>(initial.unit);
  const [banner, setBanner] = useState(configurations.banner_message.value);
  const [localWebhooks, setLocalWebhooks] = useState(configurations.webhook_allow_local_network.value);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const body: components['schemas']['ConfigurationsRequest'] = {
      project_creation_restriction: creation,
      storage_per_project: unlimited ? -1 : Math.round(Number(amount) * UNITS[unit]),
      banner_message: banner,
      webhook_allow_local_network: localWebhooks,
    };
    await act({ done: 'Configuration saved', failed: 'Could not save the configuration' }, async () => unwrap(await api.PUT('/api/v2.0/configurations', { body })), [CONFIG_KEY]);
    setBusy(false);
  };

  return (
    <form onSubmit={(event) => void submit(event)} aria-label="System settings">
      <Stack maw={560}>
        <Select
          label="Project Creation"
          description="who may create projects"
          allowDeselect={false}
          disabled={!configurations.project_creation_restriction.editable}
          data={[
            { value: 'everyone', label: 'Everyone' },
            { value: 'adminonly', label: 'Admin Only' },
          ]}
          value={creation}
          onChange={(value) => setCreation((value ?? 'everyone') as typeof creation)}
        />
        <Checkbox label="Unlimited storage for new projects" checked={unlimited} onChange={(event) => setUnlimited(event.currentTarget.checked)} />
        {!unlimited && (
          <Group grow>
            <NumberInput label="Default storage quota per project" min={1} value={amount} onChange={setAmount} disabled={!configurations.storage_per_project.editable} />
            <Select label="Quota unit" allowDeselect={false} data={Object.keys(UNITS)} value={unit} onChange={(value) => setUnit((value ?? 'GiB') as Unit)} />
          </Group>
        )}
        <NumberInput
          label="Robot Token Expiration (minutes)"
          description={configurations.token_expiration.editable ? undefined : 'set by TOKEN_EXPIRATION_MINUTES where Wharf starts'}
          value={configurations.token_expiration.value}
          readOnly={!configurations.token_expiration.editable}
        />
        <Switch
          label="Repository Read Only"
          description={configurations.read_only.editable ? undefined : 'Wharf has no read-only mode'}
          checked={configurations.read_only.value}
          disabled={!configurations.read_only.editable}
          onChange={() => undefined}
        />
        <Switch
          label="Webhooks may target the local network"
          checked={localWebhooks}
          disabled={!configurations.webhook_allow_local_network.editable}
          onChange={(event) => setLocalWebhooks(event.currentTarget.checked)}
        />
        <TextInput label="Banner message" value={banner} disabled={!configurations.banner_message.editable} onChange={(event) => setBanner(event.currentTarget.value)} />
        <Group>
          <Button type="submit" loading={busy}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function isoDate(unixSeconds: number | null): string {
  return unixSeconds === null ? '' : new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function CveAllowlistForm({ allowlist }: { allowlist: CveAllowlist }) {
  const act = useAdminAction();
  const [ids, setIds] = useState(allowlist.items.map((item) => item.cve_id).join('\n'));
  const [neverExpires, setNeverExpires] = useState(allowlist.expires_at === null);
  const [expires, setExpires] = useState(isoDate(allowlist.expires_at));
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const cves = [...new Set(ids.split(/[\s,]+/).filter(Boolean))];
    // the DTO declares cve_id `unknown` (it validates it itself), which the generated schema renders as an object type
    const items = cves.map((cve_id) => ({ cve_id })) as unknown as components['schemas']['CveAllowlistRequest']['items'];
    const expiresAt = neverExpires || !expires ? null : Math.floor(new Date(`${expires}T23:59:59Z`).getTime() / 1000);
    await act({ done: 'CVE allowlist saved', failed: 'Could not save the CVE allowlist' }, async () => unwrap(await api.PUT('/api/v2.0/system/CVEAllowlist', { body: { items, expires_at: expiresAt } })), [
      ALLOWLIST_KEY,
    ]);
    setBusy(false);
  };

  return (
    <form onSubmit={(event) => void submit(event)} aria-label="System CVE allowlist">
      <Stack maw={560}>
        <Textarea
          label="CVE allowlist"
          description="one CVE ID per line; these are ignored when a project's vulnerability policy blocks pulls"
          autosize
          minRows={4}
          value={ids}
          onChange={(event) => setIds(event.currentTarget.value)}
        />
        <Checkbox label="Never expires" checked={neverExpires} onChange={(event) => setNeverExpires(event.currentTarget.checked)} />
        {!neverExpires && <TextInput type="date" label="Expires at" required value={expires} onChange={(event) => setExpires(event.currentTarget.value)} />}
        <Group>
          <Button type="submit" loading={busy}>
            Save allowlist
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function ConfigurationPage() {
  const configurations = useQuery({ queryKey: CONFIG_KEY, queryFn: async () => unwrap<Configurations>(await api.GET('/api/v2.0/configurations')) });
  const allowlist = useQuery({ queryKey: ALLOWLIST_KEY, queryFn: async () => unwrap<CveAllowlist>(await api.GET('/api/v2.0/system/CVEAllowlist')) });
  return (
    <Stack>
      <Title order={2}>Configuration</Title>
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="sm">
          System Settings
        </Title>
        {configurations.isPending && <PageLoader />}
        {configurations.isError && <ErrorNotice error={configurations.error} />}
        {configurations.data && <SystemSettings key={configurations.dataUpdatedAt} configurations={configurations.data} />}
      </Paper>
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="sm">
          Security
        </Title>
        {allowlist.isPending && <PageLoader />}
        {allowlist.isError && <ErrorNotice error={allowlist.error} />}
        {allowlist.data && <CveAllowlistForm key={allowlist.dataUpdatedAt} allowlist={allowlist.data} />}
      </Paper>
    </Stack>
  );
}
