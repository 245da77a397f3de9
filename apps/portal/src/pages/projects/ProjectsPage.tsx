/** Projects: search, create (public/private, quota), quota usage per project. */
import { Anchor, Badge, Button, Checkbox, Group, Modal, NumberInput, Select, Stack, Switch, TextInput, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, errorMessage, pageOf, unwrap } from '../../api/client';
import type { Project, ProjectSummary } from '../../api/models';
import { useCurrentUser } from '../../api/session';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { QuotaBar } from '../../components/QuotaBar';
import { ServerTable, type Column } from '../../components/ServerTable';
import { formatTime } from '../../format';
import { roleName } from './roles';

const UNITS = { MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const;

function ProjectQuota({ project }: { project: Project }) {
  const summary = useQuery({
    queryKey: ['projects', project.name, 'summary'],
    queryFn: async () => unwrap<ProjectSummary>(await api.GET('/api/v2.0/projects/{project_name_or_id}/summary', { params: { path: { project_name_or_id: project.name } } })),
  });
  const quota = summary.data?.quota;
  return quota ? <QuotaBar used={quota.used.storage} hard={quota.hard.storage} /> : null;
}

function CreateProjectModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const user = useCurrentUser().data;
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [limited, setLimited] = useState(false);
  const [limit, setLimit] = useState<number | string>(10);
  const [unit, setUnit] = useState<keyof typeof UNITS>('GiB');
  const [proxyCache, setProxyCache] = useState(false);
  const [registryId, setRegistryId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const registries = useQuery({
    queryKey: ['registries', 'all'],
    enabled: opened && Boolean(user?.sysadmin_flag),
    queryFn: async () => unwrap<{ id: number; name: string; url: string }[]>(await api.GET('/api/v2.0/registries', { params: { query: { page_size: 100 } } })),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      unwrap(
        await api.POST('/api/v2.0/projects', {
          body: {
            project_name: name,
            public: isPublic,
            storage_limit: limited ? Math.round(Number(limit) * UNITS[unit]) : -1,
            registry_id: proxyCache && registryId ? Number(registryId) : undefined,
          },
        }),
      );
      notifications.show({ color: 'green', message: `Created project ${name}` });
      await queryClient.invalidateQueries({ queryKey: ['projects'] });
      setName('');
      onClose();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not create the project', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="New Project" centered>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <TextInput label="Project Name" required value={name} onChange={(event) => setName(event.currentTarget.value)} description="lower-case letters, digits, '.', '_' and '-'" />
          <Checkbox label="Public" description="anyone may pull its images" checked={isPublic} onChange={(event) => setPublic(event.currentTarget.checked)} />
          {user?.sysadmin_flag && (
            <>
              <Switch label="Storage quota" checked={limited} onChange={(event) => setLimited(event.currentTarget.checked)} />
              {limited && (
                <Group grow>
                  <NumberInput label="Storage limit" min={1} value={limit} onChange={setLimit} />
                  <Select label="Unit" data={Object.keys(UNITS)} value={unit} allowDeselect={false} onChange={(value) => setUnit((value ?? 'GiB') as keyof typeof UNITS)} />
                </Group>
              )}
              <Switch label="Proxy Cache" description="pull through from a registry endpoint" checked={proxyCache} onChange={(event) => setProxyCache(event.currentTarget.checked)} />
              {proxyCache && (
                <Select
                  label="Registry endpoint"
                  required
                  data={(registries.data ?? []).map((registry) => ({ value: String(registry.id), label: `${registry.name} (${registry.url})` }))}
                  value={registryId}
                  onChange={setRegistryId}
                />
              )}
            </>
          )}
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

export default function ProjectsPage() {
  const [creating, { open, close }] = useDisclosure(false);
  const queryClient = useQueryClient();
  const columns: Column<Project>[] = [
    {
      header: 'Project Name',
      cell: (project) => (
        <Anchor component={Link} to={`/projects/${encodeURIComponent(project.name)}/repositories`}>
          {project.name}
        </Anchor>
      ),
    },
    {
      header: 'Access Level',
      cell: (project) => (
        <Group gap={4}>
          <Badge variant="light" color={project.metadata.public === 'true' ? 'teal' : 'gray'}>
            {project.metadata.public === 'true' ? 'Public' : 'Private'}
          </Badge>
          {project.registry_id !== null && (
            <Badge variant="light" color="violet">
              Proxy Cache
            </Badge>
          )}
        </Group>
      ),
    },
    { header: 'Role', cell: (project) => roleName(project.current_user_role_id) },
    { header: 'Repositories', cell: (project) => project.repo_count },
    { header: 'Quota', cell: (project) => <ProjectQuota project={project} /> },
    { header: 'Creation Time', cell: (project) => formatTime(project.creation_time) },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (project) => (
        <ConfirmDelete
          subject={`project ${project.name}`}
          onConfirm={async () => {
            unwrap(await api.DELETE('/api/v2.0/projects/{project_name_or_id}', { params: { path: { project_name_or_id: project.name } } }));
            await queryClient.invalidateQueries({ queryKey: ['projects'] });
          }}
        />
      ),
    },
  ];
  return (
    <>
      <Title order={2} mb="md">
        Projects
      </Title>
      <ServerTable
        label="Projects"
        queryKey={['projects', 'list']}
        searchLabel="Search projects"
        columns={columns}
        rowKey={(project) => project.project_id}
        toolbar={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
            New Project
          </Button>
        }
        fetchPage={async ({ page, pageSize, search }) =>
          pageOf<Project>(await api.GET('/api/v2.0/projects', { params: { query: { page, page_size: pageSize, name: search || undefined, sort: 'name' } } }))
        }
      />
      <CreateProjectModal opened={creating} onClose={close} />
    </>
  );
}
