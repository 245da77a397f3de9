/**
 * A project's robot accounts: create one with its permissions and expiry; the secret is shown once,
 * right after creation, with a copy button (the api never shows it again). Enable/disable, delete.
 */
import { Alert, Badge, Button, Checkbox, Code, Group, Modal, NumberInput, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, pageOf, unwrap } from '../../../api/client';
import { ConfirmDelete } from '../../../components/ConfirmDelete';
import { CopyButton } from '../../../components/CopyButton';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { ServerTable, type Column } from '../../../components/ServerTable';
import { formatTime } from '../../../format';
import { useProject, useProjectName } from '../use-project';

/** robots: RobotResponse */
interface Robot {
  id: number;
  name: string;
  description: string;
  level: string;
  duration: number;
  disable: boolean;
  expires_at: number;
  permissions: { kind: string; namespace: string; access: { resource: string; action: string }[] }[];
  creation_time: string;
}

/** What a project robot may be granted, as Harbor's portal offers it. */
const GRANTS = [
  { resource: 'repository', action: 'pull', label: 'Pull repository' },
  { resource: 'repository', action: 'push', label: 'Push repository' },
  { resource: 'repository', action: 'delete', label: 'Delete repository' },
  { resource: 'artifact', action: 'delete', label: 'Delete artifact' },
  { resource: 'tag', action: 'create', label: 'Create tag' },
  { resource: 'tag', action: 'delete', label: 'Delete tag' },
  { resource: 'artifact-label', action: 'create', label: 'Add label to artifact' },
  { resource: 'scan', action: 'create', label: 'Scan artifact' },
] as const;

function CreateRobotModal({ opened, onClose, projectName, onCreated }: { opened: boolean; onClose: () => void; projectName: string; onCreated: (robot: { name: string; secret: string }) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [never, setNever] = useState(true);
  const [days, setDays] = useState<number | string>(30);
  const [grants, setGrants] = useState<string[]>(['repository:pull']);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const created = unwrap<{ id: number; name: string; secret: string }>(
        await api.POST('/api/v2.0/robots', {
          body: {
            name,
            description,
            duration: never ? -1 : Number(days),
            level: 'project',
            permissions: [
              {
                kind: 'project',
                namespace: projectName,
                access: grants.map((grant) => {
                  const [resource, action] = grant.split(':');
                  return { resource, action };
                }),
              },
            ],
          },
        }),
      );
      await queryClient.invalidateQueries({ queryKey: ['projects', projectName, 'robots'] });
      setName('');
      setDescription('');
      onClose();
      onCreated(created);
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not create the robot account', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New Robot Account" centered size="lg">
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <TextInput label="Name" required value={name} onChange={(event) => setName(event.currentTarget.value)} description={`the login name becomes robot$${projectName}+${name || '<name>'}`} />
          <TextInput label="Description" value={description} onChange={(event) => setDescription(event.currentTarget.value)} />
          <Group align="end">
            <Switch label="Never expires" checked={never} onChange={(event) => setNever(event.currentTarget.checked)} />
            {!never && <NumberInput label="Expiration (days)" min={1} value={days} onChange={setDays} w={160} />}
          </Group>
          <Checkbox.Group label="Permissions" value={grants} onChange={setGrants} required>
            <Stack gap={6} mt="xs">
              {GRANTS.map((grant) => (
                <Checkbox key={`${grant.resource}:${grant.action}`} value={`${grant.resource}:${grant.action}`} label={grant.label} />
              ))}
            </Stack>
          </Checkbox.Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={grants.length === 0}>
              Add
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The one time the secret is visible: copy it now. */
function SecretModal({ robot, onClose }: { robot: { name: string; secret: string } | null; onClose: () => void }) {
  return (
    <Modal opened={robot !== null} onClose={onClose} title="Robot account created" centered size="lg">
      {robot && (
        <Stack>
          <Alert color="yellow">Copy the secret now: it is shown only once and cannot be retrieved later.</Alert>
          <Group gap="xs" wrap="nowrap">
            <Text fw={600}>Name</Text>
            <Code>{robot.name}</Code>
            <CopyButton value={robot.name} label="Copy robot name" />
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text fw={600}>Secret</Text>
            <Code data-testid="robot-secret">{robot.secret}</Code>
            <CopyButton value={robot.secret} label="Copy secret" />
          </Group>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

export default function RobotsTab() {
  const projectName = useProjectName();
  const project = useProject();
  const queryClient = useQueryClient();
  const [creating, { open, close }] = useDisclosure(false);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const queryKey = ['projects', projectName, 'robots'];
  if (project.isError) return <ErrorNotice error={project.error} />;
  const projectId = project.data?.project_id;

  const setDisabled = async (robot: Robot, disable: boolean) => {
    try {
      unwrap(await api.PUT('/api/v2.0/robots/{robot_id}', { params: { path: { robot_id: robot.id } }, body: { name: robot.name, level: 'project', duration: robot.duration, description: robot.description, disable, permissions: robot.permissions } }));
      await queryClient.invalidateQueries({ queryKey });
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not update the robot account', message: errorMessage(error) });
    }
  };

  const columns: Column<Robot>[] = [
    { header: 'Name', cell: (robot) => robot.name },
    {
      header: 'Status',
      cell: (robot) => <Switch aria-label={`Enabled: ${robot.name}`} checked={!robot.disable} onChange={(event) => void setDisabled(robot, !event.currentTarget.checked)} />,
    },
    { header: 'Permissions', cell: (robot) => robot.permissions.flatMap((permission) => permission.access.map((access) => `${access.action} ${access.resource}`)).join(', ') },
    { header: 'Expires', cell: (robot) => (robot.expires_at === -1 ? <Badge variant="light">Never</Badge> : formatTime(new Date(robot.expires_at * 1000).toISOString())) },
    { header: 'Description', cell: (robot) => robot.description },
    { header: 'Creation Time', cell: (robot) => formatTime(robot.creation_time) },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (robot) => (
        <ConfirmDelete
          subject={`robot account ${robot.name}`}
          onConfirm={async () => {
            unwrap(await api.DELETE('/api/v2.0/robots/{robot_id}', { params: { path: { robot_id: robot.id } } }));
            await queryClient.invalidateQueries({ queryKey });
          }}
        />
      ),
    },
  ];
  return (
    <>
      {projectId !== undefined && (
        <ServerTable
          label="Robot Accounts"
          queryKey={queryKey}
          columns={columns}
          rowKey={(robot) => robot.id}
          toolbar={
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
              New Robot Account
            </Button>
          }
          fetchPage={async ({ page, pageSize }) => pageOf<Robot>(await api.GET('/api/v2.0/robots', { params: { query: { page, page_size: pageSize, q: `Level=project,ProjectID=${projectId}` } } }))}
        />
      )}
      <CreateRobotModal opened={creating} onClose={close} projectName={projectName} onCreated={setCreated} />
      <SecretModal robot={created} onClose={() => setCreated(null)} />
    </>
  );
}
