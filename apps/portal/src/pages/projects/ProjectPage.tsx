/** One project: its name, kind and quota above a tab per concern (the tabs are nested routes). */
import { Anchor, Badge, Breadcrumbs, Group, Tabs, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Suspense } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import type { ProjectSummary } from '../../api/models';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PageLoader } from '../../components/PageLoader';
import { QuotaBar } from '../../components/QuotaBar';
import { projectTabs } from './project-tabs';
import { useProject, useProjectName } from './use-project';

export default function ProjectPage() {
  const projectName = useProjectName();
  const location = useLocation();
  const navigate = useNavigate();
  const project = useProject();
  const summary = useQuery({
    queryKey: ['projects', projectName, 'summary'],
    queryFn: async () => unwrap<ProjectSummary>(await api.GET('/api/v2.0/projects/{project_name_or_id}/summary', { params: { path: { project_name_or_id: projectName } } })),
  });
  const base = `/projects/${encodeURIComponent(projectName)}`;
  const active = location.pathname.slice(base.length + 1).split('/')[0] || 'repositories';

  if (project.isError) return <ErrorNotice error={project.error} />;
  return (
    <>
      <Breadcrumbs mb="xs" aria-label="Breadcrumb">
        <Anchor component={Link} to="/projects">
          Projects
        </Anchor>
        <span>{projectName}</span>
      </Breadcrumbs>
      <Group justify="space-between" mb="md">
        <Group gap="sm">
          <Title order={2}>{projectName}</Title>
          {project.data && (
            <Badge variant="light" color={project.data.metadata.public === 'true' ? 'teal' : 'gray'}>
              {project.data.metadata.public === 'true' ? 'Public' : 'Private'}
            </Badge>
          )}
          {project.data?.registry_id != null && (
            <Badge variant="light" color="violet">
              Proxy Cache
            </Badge>
          )}
        </Group>
        {summary.data?.quota && <QuotaBar used={summary.data.quota.used.storage} hard={summary.data.quota.hard.storage} />}
      </Group>
      <Tabs value={active} onChange={(tab) => tab && navigate(`${base}/${tab}`)} keepMounted={false}>
        <Tabs.List mb="md">
          {projectTabs.map((tab) => (
            <Tabs.Tab key={tab.path} value={tab.path}>
              {tab.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Suspense fallback={<PageLoader />}>
        <Outlet />
      </Suspense>
    </>
  );
}
