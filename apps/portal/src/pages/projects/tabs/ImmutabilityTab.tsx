/** A project's tag immutability rules: which tags in which repositories nobody may overwrite or delete. */
import { Button, Group, Modal, Select, Stack, Switch, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, pageOf, unwrap } from '../../../api/client';
import { ConfirmDelete } from '../../../components/ConfirmDelete';
import { ServerTable, type Column } from '../../../components/ServerTable';
import { useProjectName } from '../use-project';

interface Selector {
  kind: string;
  decoration: 'matches' | 'excludes' | 'repoMatches' | 'repoExcludes';
  pattern: string;
}

/** immutability: ImmutableRuleResponse */
interface ImmutableRule {
  id: number;
  priority: number;
  disabled: boolean;
  tag_selectors: Selector[];
  scope_selectors: { repository: Selector[] };
}

const describe = (selector: Selector | undefined) => (selector ? `${selector.decoration.replace(/^repo/, '').toLowerCase()} ${selector.pattern}` : '-');

function RuleModal({ opened, onClose, onSaved, projectName }: { opened: boolean; onClose: () => void; onSaved: () => Promise<void>; projectName: string }) {
  const [repositoryDecoration, setRepositoryDecoration] = useState<string | null>('repoMatches');
  const [repositoryPattern, setRepositoryPattern] = useState('**');
  const [tagDecoration, setTagDecoration] = useState<string | null>('matches');
  const [tagPattern, setTagPattern] = useState('**');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      unwrap(
        await api.POST('/api/v2.0/projects/{project_name_or_id}/immutabletagrules', {
          params: { path: { project_name_or_id: projectName } },
          body: {
            action: 'immutable',
            template: 'immutable_template',
            tag_selectors: [{ kind: 'doublestar', decoration: tagDecoration as Selector['decoration'], pattern: tagPattern }],
            scope_selectors: { repository: [{ kind: 'doublestar', decoration: repositoryDecoration as Selector['decoration'], pattern: repositoryPattern }] },
          },
        }),
      );
      await onSaved();
      onClose();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not add the rule', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Add Immutability Rule" centered>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <Group grow align="end">
            <Select label="Repositories" data={[{ value: 'repoMatches', label: 'matching' }, { value: 'repoExcludes', label: 'excluding' }]} value={repositoryDecoration} onChange={setRepositoryDecoration} allowDeselect={false} />
            <TextInput label="Repository pattern" required value={repositoryPattern} onChange={(event) => setRepositoryPattern(event.currentTarget.value)} />
          </Group>
          <Group grow align="end">
            <Select label="Tags" data={[{ value: 'matches', label: 'matching' }, { value: 'excludes', label: 'excluding' }]} value={tagDecoration} onChange={setTagDecoration} allowDeselect={false} />
            <TextInput label="Tag pattern" required value={tagPattern} onChange={(event) => setTagPattern(event.currentTarget.value)} />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Add
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export default function ImmutabilityTab() {
  const projectName = useProjectName();
  const queryClient = useQueryClient();
  const [adding, { open, close }] = useDisclosure(false);
  const queryKey = ['projects', projectName, 'immutabletagrules'];
  const path = { project_name_or_id: projectName };
  const refresh = () => queryClient.invalidateQueries({ queryKey });
  const setDisabled = async (rule: ImmutableRule, disabled: boolean) => {
    try {
      unwrap(await api.PUT('/api/v2.0/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}', { params: { path: { ...path, immutable_rule_id: rule.id } }, body: { ...rule, disabled } }));
      await refresh();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not update the rule', message: errorMessage(error) });
    }
  };
  const columns: Column<ImmutableRule>[] = [
    { header: 'Repositories', cell: (rule) => describe(rule.scope_selectors.repository[0]) },
    { header: 'Tags', cell: (rule) => describe(rule.tag_selectors[0]) },
    { header: 'Enabled', cell: (rule) => <Switch aria-label={`Rule ${rule.id} enabled`} checked={!rule.disabled} onChange={(event) => void setDisabled(rule, !event.currentTarget.checked)} /> },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (rule) => (
        <ConfirmDelete
          subject={`immutability rule ${rule.id}`}
          onConfirm={async () => {
            unwrap(await api.DELETE('/api/v2.0/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}', { params: { path: { ...path, immutable_rule_id: rule.id } } }));
            await refresh();
          }}
        />
      ),
    },
  ];
  return (
    <>
      <ServerTable
        label="Immutability rules"
        queryKey={queryKey}
        columns={columns}
        rowKey={(rule) => rule.id}
        toolbar={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
            Add Rule
          </Button>
        }
        fetchPage={async ({ page, pageSize }) => pageOf<ImmutableRule>(await api.GET('/api/v2.0/projects/{project_name_or_id}/immutabletagrules', { params: { path, query: { page, page_size: pageSize } } }))}
      />
      {adding && <RuleModal opened={adding} onClose={close} onSaved={refresh} projectName={projectName} />}
    </>
  );
}
