/**
 * A project's tag retention: its policy's rules (add, remove), run now or dry run, and the runs with
 * live progress while one is under way.
 */
import { Button, Group, Modal, NumberInput, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlayerPlay, IconPlus } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, pageOf, unwrap } from '../../../api/client';
import type { components } from '../../../api/schema';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { isFinalStatus, StatusBadge } from '../../../components/JobProgress';
import { PageLoader } from '../../../components/PageLoader';
import { ServerTable, type Column } from '../../../components/ServerTable';
import { formatTime } from '../../../format';
import { useProject } from '../use-project';

interface Selector {
  kind: string;
  decoration: string;
  pattern: string;
}

/** retention: a rule as Harbor's RetentionRule */
interface RetentionRule {
  action: string;
  template: string;
  params: Record<string, number>;
  tag_selectors: Selector[];
  scope_selectors: { repository: Selector[] };
  disabled?: boolean;
}

interface RetentionPolicy {
  id: number;
  algorithm: string;
  rules: RetentionRule[];
  trigger: { kind: string; settings: { cron?: string } };
  scope: { level: string; ref: number };
}

interface RetentionExecution {
  id: number;
  status: string;
  trigger: string;
  dry_run: boolean;
  start_time: string;
  end_time: string | null;
}

const TEMPLATES = [
  { value: 'latestPushedK', label: 'retain the most recently pushed # artifacts', param: true },
  { value: 'latestPulledN', label: 'retain the most recently pulled # artifacts', param: true },
  { value: 'nDaysSinceLastPush', label: 'retain the artifacts pushed within the last # days', param: true },
  { value: 'nDaysSinceLastPull', label: 'retain the artifacts pulled within the last # days', param: true },
  { value: 'always', label: 'retain always', param: false },
];
const POLL_MS = 2_000;
/** The document types a policy's rules and trigger as free-form objects; the shapes above are Harbor's. */
type PolicyBody = components['schemas']['RetentionPolicyRequest'];
const asPolicyBody = (body: Omit<RetentionPolicy, 'id'> & { id?: number }) => body as unknown as PolicyBody;

function ruleText(rule: RetentionRule): string {
  const template = TEMPLATES.find((entry) => entry.value === rule.template);
  const count = rule.params[rule.template];
  const label = template ? template.label.replace('#', String(count ?? '')) : rule.template;
  return `${label}; repositories ${rule.scope_selectors.repository[0]?.pattern ?? '**'}, tags ${rule.tag_selectors[0]?.pattern ?? '**'}`;
}

function RuleModal({ opened, onClose, onAdd }: { opened: boolean; onClose: () => void; onAdd: (rule: RetentionRule) => Promise<void> }) {
  const [template, setTemplate] = useState<string | null>('latestPushedK');
  const [count, setCount] = useState<number | string>(10);
  const [repositories, setRepositories] = useState('**');
  const [tags, setTags] = useState('**');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const chosen = template ?? 'latestPushedK';
    await onAdd({
      action: 'retain',
      template: chosen,
      params: TEMPLATES.find((entry) => entry.value === chosen)?.param ? { [chosen]: Number(count) } : {},
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: tags }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: repositories }] },
    });
    onClose();
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Add Retention Rule" centered size="lg">
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <TextInput label="Repositories matching" required value={repositories} onChange={(event) => setRepositories(event.currentTarget.value)} />
          <Select label="By artifact count or number of days" data={TEMPLATES.map(({ value, label }) => ({ value, label }))} value={template} onChange={setTemplate} allowDeselect={false} />
          {TEMPLATES.find((entry) => entry.value === template)?.param && <NumberInput label="Count" min={1} value={count} onChange={setCount} w={160} />}
          <TextInput label="Tags matching" required value={tags} onChange={(event) => setTags(event.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Add</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export default function RetentionTab() {
  const project = useProject();
  const queryClient = useQueryClient();
  const [adding, { open, close }] = useDisclosure(false);
  const retentionId = project.data?.metadata.retention_id ? Number(project.data.metadata.retention_id) : undefined;
  const policy = useQuery({
    queryKey: ['retentions', retentionId],
    enabled: retentionId !== undefined,
    queryFn: async () => unwrap<RetentionPolicy>(await api.GET('/api/v2.0/retentions/{id}', { params: { path: { id: retentionId! } } })),
  });
  if (project.isPending) return <PageLoader />;
  if (project.isError) return <ErrorNotice error={project.error} />;
  const projectName = project.data.name;

  const saveRules = async (rules: RetentionRule[]) => {
    try {
      if (policy.data) {
        unwrap(await api.PUT('/api/v2.0/retentions/{id}', { params: { path: { id: policy.data.id } }, body: asPolicyBody({ ...policy.data, rules }) }));
      } else {
        unwrap(
          await api.POST('/api/v2.0/retentions', {
            body: asPolicyBody({ algorithm: 'or', rules, trigger: { kind: 'Schedule', settings: { cron: '' } }, scope: { level: 'project', ref: project.data.project_id } }),
          }),
        );
      }
      await queryClient.invalidateQueries({ queryKey: ['projects', projectName] });
      await queryClient.invalidateQueries({ queryKey: ['retentions'] });
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not save the retention policy', message: errorMessage(error) });
    }
  };

  const run = async (dryRun: boolean) => {
    if (!policy.data) return;
    try {
      unwrap(await api.POST('/api/v2.0/retentions/{id}/executions', { params: { path: { id: policy.data.id } }, body: { dry_run: dryRun } }));
      notifications.show({ color: 'blue', message: dryRun ? 'Dry run started' : 'Retention run started' });
      await queryClient.invalidateQueries({ queryKey: ['retentions', policy.data.id, 'executions'] });
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not start the run', message: errorMessage(error) });
    }
  };

  const rules = policy.data?.rules ?? [];
  const columns: Column<RetentionExecution>[] = [
    { header: 'ID', cell: (execution) => execution.id },
    { header: 'Status', cell: (execution) => <StatusBadge status={execution.status} /> },
    { header: 'Dry Run', cell: (execution) => (execution.dry_run ? 'Yes' : 'No') },
    { header: 'Trigger', cell: (execution) => execution.trigger },
    { header: 'Start Time', cell: (execution) => formatTime(execution.start_time) },
    { header: 'End Time', cell: (execution) => formatTime(execution.end_time) },
  ];
  return (
    <Stack>
      <Paper withBorder p="md">
        <Group justify="space-between" mb="xs">
          <Title order={4}>Retention rules</Title>
          <Button size="xs" leftSection={<IconPlus size={14} aria-hidden />} onClick={open} disabled={rules.length >= 15}>
            Add Rule
          </Button>
        </Group>
        {rules.length === 0 && <Text c="dimmed">No rules: every artifact is kept.</Text>}
        <Stack gap={4}>
          {rules.map((rule, index) => (
            <Group key={index} justify="space-between">
              <Text size="sm">{ruleText(rule)}</Text>
              <Button size="xs" variant="subtle" color="red" onClick={() => void saveRules(rules.filter((_, other) => other !== index))}>
                Remove rule {index + 1}
              </Button>
            </Group>
          ))}
        </Stack>
      </Paper>
      {policy.data && (
        <>
          <Group>
            <Button variant="default" onClick={() => void run(true)}>
              Dry Run
            </Button>
            <Button leftSection={<IconPlayerPlay size={16} aria-hidden />} onClick={() => void run(false)} disabled={rules.length === 0}>
              Run Now
            </Button>
          </Group>
          <ServerTable
            label="Retention runs"
            queryKey={['retentions', policy.data.id, 'executions']}
            columns={columns}
            rowKey={(execution) => execution.id}
            emptyText="No runs yet."
            refetchInterval={(executions) => (executions.some((execution) => !isFinalStatus(execution.status)) ? POLL_MS : false)}
            fetchPage={async ({ page, pageSize }) => pageOf<RetentionExecution>(await api.GET('/api/v2.0/retentions/{id}/executions', { params: { path: { id: policy.data!.id }, query: { page, page_size: pageSize } } }))}
          />
        </>
      )}
      {adding && <RuleModal opened={adding} onClose={close} onAdd={(rule) => saveRules([...rules, rule])} />}
    </Stack>
  );
}
