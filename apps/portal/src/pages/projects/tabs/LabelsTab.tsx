/** A project's labels (scope `p`): create, edit, delete. */
import { ActionIcon, Badge, Button, ColorInput, Group, Modal, Stack, TextInput, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPencil, IconPlus } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, pageOf, unwrap } from '../../../api/client';
import type { Label } from '../../../api/models';
import { ConfirmDelete } from '../../../components/ConfirmDelete';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { ServerTable, type Column } from '../../../components/ServerTable';
import { formatTime } from '../../../format';
import { useProject, useProjectName } from '../use-project';

type Editing = { label?: Label } | null;

function LabelModal({ editing, onClose, projectId, onSaved }: { editing: Editing; onClose: () => void; projectId: number; onSaved: () => Promise<void> }) {
  const [name, setName] = useState(editing?.label?.name ?? '');
  const [description, setDescription] = useState(editing?.label?.description ?? '');
  const [color, setColor] = useState(editing?.label?.color || '#2E6FBA');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const body = { name, description, color, scope: 'p' as const, project_id: projectId };
      if (editing?.label) unwrap(await api.PUT('/api/v2.0/labels/{label_id}', { params: { path: { label_id: editing.label.id } }, body }));
      else unwrap(await api.POST('/api/v2.0/labels', { body }));
      await onSaved();
      onClose();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not save the label', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={editing !== null} onClose={onClose} title={editing?.label ? 'Edit Label' : 'New Label'} centered>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <TextInput label="Label Name" required value={name} onChange={(event) => setName(event.currentTarget.value)} />
          <ColorInput label="Color" value={color} onChange={setColor} format="hex" />
          <TextInput label="Description" value={description} onChange={(event) => setDescription(event.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              OK
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export default function LabelsTab() {
  const projectName = useProjectName();
  const project = useProject();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Editing>(null);
  const queryKey = ['projects', projectName, 'labels'];
  if (project.isError) return <ErrorNotice error={project.error} />;
  const projectId = project.data?.project_id;
  const refresh = () => queryClient.invalidateQueries({ queryKey });
  const columns: Column<Label>[] = [
    {
      header: 'Label',
      cell: (label) => (
        <Badge color={label.color || 'gray'} autoContrast tt="none">
          {label.name}
        </Badge>
      ),
    },
    { header: 'Description', cell: (label) => label.description },
    { header: 'Creation Time', cell: (label) => formatTime(label.creation_time) },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (label) => (
        <Group gap={4} wrap="nowrap">
          <Tooltip label={`Edit label ${label.name}`}>
            <ActionIcon variant="subtle" aria-label={`Edit label ${label.name}`} onClick={() => setEditing({ label })}>
              <IconPencil size={16} aria-hidden />
            </ActionIcon>
          </Tooltip>
          <ConfirmDelete
            subject={`label ${label.name}`}
            onConfirm={async () => {
              unwrap(await api.DELETE('/api/v2.0/labels/{label_id}', { params: { path: { label_id: label.id } } }));
              await refresh();
            }}
          />
        </Group>
      ),
    },
  ];
  return (
    <>
      {projectId !== undefined && (
        <ServerTable
          label="Labels"
          queryKey={queryKey}
          searchLabel="Search labels"
          columns={columns}
          rowKey={(label) => label.id}
          toolbar={
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing({})}>
              New Label
            </Button>
          }
          fetchPage={async ({ page, pageSize, search }) =>
            pageOf<Label>(await api.GET('/api/v2.0/labels', { params: { query: { scope: 'p', project_id: projectId, name: search || undefined, page, page_size: pageSize } } }))
          }
        />
      )}
      {editing !== null && projectId !== undefined && <LabelModal editing={editing} onClose={() => setEditing(null)} projectId={projectId} onSaved={refresh} />}
    </>
  );
}
