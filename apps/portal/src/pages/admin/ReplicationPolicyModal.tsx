/**
 * Create or edit a replication policy (Harbor's "New Replication Rule"): push- or pull-based (the
 * other side is a registry endpoint), source resource filters, destination namespace and
 * flattening, trigger (manual, scheduled cron, event based), override, deletion, enabled, speed.
 * PUT replaces the whole policy, so editing sends every field.
 */
import { Button, Checkbox, Group, Modal, NumberInput, SegmentedControl, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { useAdminAction } from './admin-actions';
import type { RegistryEndpoint, ReplicationFilter, ReplicationPolicy, TriggerType } from './admin-models';

export const REPLICATION_KEY = ['admin', 'replication'] as const;

type PolicyBody = components['schemas']['ReplicationPolicyRequest'];

interface PolicyFields {
  name: string;
  description: string;
  mode: 'push' | 'pull';
  registryId: string | null;
  nameFilter: string;
  tagFilter: string;
  tagDecoration: 'matches' | 'excludes';
  labels: string[];
  labelDecoration: 'matches' | 'excludes';
  resource: '' | 'image' | 'artifact';
  destNamespace: string;
  replaceCount: string;
  trigger: TriggerType;
  cron: string;
  override: boolean;
  replicateDeletion: boolean;
  enabled: boolean;
  speed: number | string;
  copyByChunk: boolean;
}

const EMPTY: PolicyFields = {
  name: '',
  description: '',
  mode: 'push',
  registryId: null,
  nameFilter: '',
  tagFilter: '',
  tagDecoration: 'matches',
  labels: [],
  labelDecoration: 'matches',
  resource: '',
  destNamespace: '',
  replaceCount: '1',
  trigger: 'manual',
  cron: '',
  override: true,
  replicateDeletion: false,
  enabled: true,
  speed: -1,
  copyByChunk: false,
};

const FLATTENING = [
  { value: '-1', label: 'Flatten All Levels' },
  { value: '0', label: 'No Flattening' },
  { value: '1', label: 'Flatten 1 Level' },
  { value: '2', label: 'Flatten 2 Levels' },
  { value: '3', label: 'Flatten 3 Levels' },
];

function fieldsOf(policy: ReplicationPolicy): PolicyFields {
  const push = policy.src_registry.id === 0;
  const byType = (type: ReplicationFilter['type']) => policy.filters.find((f) => f.type === type);
  const name = byType('name') as { value: string } | undefined;
  const tag = byType('tag') as { value: string; decoration?: 'matches' | 'excludes' } | undefined;
  const label = byType('label') as { value: string[]; decoration?: 'matches' | 'excludes' } | undefined;
  const resource = byType('resource') as { value: 'image' | 'artifact' } | undefined;
  return {
    name: policy.name,
    description: policy.description,
    mode: push ? 'push' : 'pull',
    registryId: String(push ? policy.dest_registry.id : policy.src_registry.id),
    nameFilter: name?.value ?? '',
    tagFilter: tag?.value ?? '',
    tagDecoration: tag?.decoration ?? 'matches',
    labels: label?.value ?? [],
    labelDecoration: label?.decoration ?? 'matches',
    resource: resource?.value ?? '',
    destNamespace: policy.dest_namespace,
    replaceCount: String(policy.dest_namespace_replace_count),
    trigger: policy.trigger.type,
    cron: policy.trigger.trigger_settings?.cron ?? '',
    override: policy.override,
    replicateDeletion: policy.replicate_deletion,
    enabled: policy.enabled,
    speed: policy.speed > 0 ? policy.speed : -1,
    copyByChunk: policy.copy_by_chunk,
  };
}

function bodyOf(fields: PolicyFields): PolicyBody {
  const filters: ReplicationFilter[] = [];
  if (fields.nameFilter) filters.push({ type: 'name', value: fields.nameFilter, decoration: 'matches' });
  if (fields.tagFilter) filters.push({ type: 'tag', value: fields.tagFilter, decoration: fields.tagDecoration });
  if (fields.labels.length) filters.push({ type: 'label', value: fields.labels, decoration: fields.labelDecoration });
  if (fields.resource) filters.push({ type: 'resource', value: fields.resource });
  const remote = { id: Number(fields.registryId) };
  return {
    name: fields.name,
    description: fields.description,
    src_registry: fields.mode === 'pull' ? remote : null,
    dest_registry: fields.mode === 'push' ? remote : null,
    dest_namespace: fields.destNamespace,
    dest_namespace_replace_count: Number(fields.replaceCount),
    trigger: { type: fields.trigger, trigger_settings: { cron: fields.trigger === 'scheduled' ? fields.cron.trim() : '' } },
    // a filter's `value` is a pattern or a list of label names; the DTO declares it `unknown`, which
    // the generated schema renders as an object type
    filters: filters as unknown as PolicyBody['filters'],
    override: fields.override,
    replicate_deletion: fields.trigger === 'event_based' && fields.replicateDeletion,
    enabled: fields.enabled,
    speed: Number(fields.speed) > 0 ? Number(fields.speed) : -1,
    copy_by_chunk: fields.copyByChunk,
  };
}

function ReplicationPolicyForm({ editing, onClose }: { editing: ReplicationPolicy | null; onClose: () => void }) {
  const act = useAdminAction();
  const [fields, setFields] = useState<PolicyFields>(() => (editing ? fieldsOf(editing) : EMPTY));
  const [busy, setBusy] = useState(false);
  const registries = useQuery({
    queryKey: ['admin', 'registries', 'all'],
    queryFn: async () => unwrap<RegistryEndpoint[]>(await api.GET('/api/v2.0/registries', { params: { query: { page_size: 100, sort: 'name' } } })),
  });
  const set = <K extends keyof PolicyFields>(name: K, value: PolicyFields[K]) => setFields((current) => ({ ...current, [name]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const saved = await act(
      { done: editing ? `Saved rule ${fields.name}` : `Created rule ${fields.name}`, failed: editing ? 'Could not save the rule' : 'Could not create the rule' },
      async () =>
        editing
          ? unwrap(await api.PUT('/api/v2.0/replication/policies/{id}', { params: { path: { id: editing.id } }, body: bodyOf(fields) }))
          : unwrap(await api.POST('/api/v2.0/replication/policies', { body: bodyOf(fields) })),
      [REPLICATION_KEY],
    );
    setBusy(false);
    if (saved) onClose();
  };

  const triggers = [
    { value: 'manual', label: 'Manual' },
    { value: 'scheduled', label: 'Scheduled' },
    ...(fields.mode === 'push' ? [{ value: 'event_based', label: 'Event Based' }] : []),
  ];

  return (
    <>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <TextInput label="Name" required value={fields.name} onChange={(event) => set('name', event.currentTarget.value)} />
          <TextInput label="Description" value={fields.description} onChange={(event) => set('description', event.currentTarget.value)} />
          <div>
            <Text size="sm" fw={500} id="replication-mode-label">
              Replication mode
            </Text>
            <SegmentedControl
              aria-labelledby="replication-mode-label"
              value={fields.mode}
              onChange={(value) => setFields((current) => ({ ...current, mode: value as 'push' | 'pull', trigger: value === 'pull' && current.trigger === 'event_based' ? 'manual' : current.trigger }))}
              data={[
                { value: 'push', label: 'Push-based' },
                { value: 'pull', label: 'Pull-based' },
              ]}
            />
          </div>
          <Select
            label={fields.mode === 'push' ? 'Destination registry' : 'Source registry'}
            required
            data={(registries.data ?? []).map((registry) => ({ value: String(registry.id), label: `${registry.name} (${registry.url})` }))}
            value={fields.registryId}
            onChange={(value) => set('registryId', value)}
          />
          <TextInput label="Name filter" description="repository names, e.g. library/** (empty: all)" value={fields.nameFilter} onChange={(event) => set('nameFilter', event.currentTarget.value)} />
          <Group grow align="flex-start">
            <TextInput label="Tag filter" description="e.g. v* (empty: all)" value={fields.tagFilter} onChange={(event) => set('tagFilter', event.currentTarget.value)} />
            <Select
              label="Tags"
              allowDeselect={false}
              data={[
                { value: 'matches', label: 'matching' },
                { value: 'excludes', label: 'excluding' },
              ]}
              value={fields.tagDecoration}
              onChange={(value) => set('tagDecoration', (value ?? 'matches') as 'matches' | 'excludes')}
            />
          </Group>
          <Group grow align="flex-start">
            <TagsInput label="Label filter" description="label names; Enter adds one" value={fields.labels} onChange={(value) => set('labels', value)} />
            <Select
              label="Labels"
              allowDeselect={false}
              data={[
                { value: 'matches', label: 'matching' },
                { value: 'excludes', label: 'excluding' },
              ]}
              value={fields.labelDecoration}
              onChange={(value) => set('labelDecoration', (value ?? 'matches') as 'matches' | 'excludes')}
            />
          </Group>
          <Select
            label="Resource filter"
            allowDeselect={false}
            data={[
              { value: '', label: 'All' },
              { value: 'image', label: 'Image' },
              { value: 'artifact', label: 'Artifact' },
            ]}
            value={fields.resource}
            onChange={(value) => set('resource', (value ?? '') as PolicyFields['resource'])}
          />
          <Group grow align="flex-start">
            <TextInput label="Destination namespace" description="empty: the source's" value={fields.destNamespace} onChange={(event) => set('destNamespace', event.currentTarget.value)} />
            <Select label="Flattening" allowDeselect={false} data={FLATTENING} value={fields.replaceCount} onChange={(value) => set('replaceCount', value ?? '1')} />
          </Group>
          <Group grow align="flex-start">
            <Select label="Trigger mode" allowDeselect={false} data={triggers} value={fields.trigger} onChange={(value) => set('trigger', (value ?? 'manual') as TriggerType)} />
            {fields.trigger === 'scheduled' && (
              <TextInput label="Cron" required description="six fields, seconds first" value={fields.cron} onChange={(event) => set('cron', event.currentTarget.value)} />
            )}
          </Group>
          {fields.trigger === 'event_based' && (
            <Checkbox label="Delete remote resources when locally deleted" checked={fields.replicateDeletion} onChange={(event) => set('replicateDeletion', event.currentTarget.checked)} />
          )}
          <NumberInput label="Bandwidth (KiB/s per task)" description="-1: unlimited" min={-1} value={fields.speed} onChange={(value) => set('speed', value)} />
          <Checkbox label="Override" description="replace artifacts of the same name at the destination" checked={fields.override} onChange={(event) => set('override', event.currentTarget.checked)} />
          <Checkbox label="Copy by chunk" checked={fields.copyByChunk} onChange={(event) => set('copyByChunk', event.currentTarget.checked)} />
          <Checkbox label="Enable rule" checked={fields.enabled} onChange={(event) => set('enabled', event.currentTarget.checked)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </>
  );
}

/** The dialog; its form mounts afresh each time it opens, so it starts from the row being edited. */
export function ReplicationPolicyModal({ editing, opened, onClose }: { editing: ReplicationPolicy | null; opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={editing ? `Edit Replication Rule ${editing.name}` : 'New Replication Rule'} size="lg" centered>
      {opened && <ReplicationPolicyForm editing={editing} onClose={onClose} />}
    </Modal>
  );
}
