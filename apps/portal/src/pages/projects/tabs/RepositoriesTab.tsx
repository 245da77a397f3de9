/** A project's repositories: search, artifact count, pulls, last push (update time). */
import { Anchor } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, pageOf, unwrap } from '../../../api/client';
import type { Repository } from '../../../api/models';
import { ConfirmDelete } from '../../../components/ConfirmDelete';
import { ServerTable, type Column } from '../../../components/ServerTable';
import { formatTime } from '../../../format';
import { repositoryParam, useProjectName } from '../use-project';

export default function RepositoriesTab() {
  const projectName = useProjectName();
  const queryClient = useQueryClient();
  const columns: Column<Repository>[] = [
    {
      header: 'Name',
      cell: (repository) => (
        <Anchor component={Link} to={`/projects/${encodeURIComponent(projectName)}/repositories/${repository.name.slice(projectName.length + 1)}`}>
          {repository.name}
        </Anchor>
      ),
    },
    { header: 'Artifacts', cell: (repository) => repository.artifact_count },
    { header: 'Pulls', cell: (repository) => repository.pull_count },
    { header: 'Last Modified Time', cell: (repository) => formatTime(repository.update_time) },
    {
      header: 'Actions',
      hiddenHeader: true,
      cell: (repository) => (
        <ConfirmDelete
          subject={`repository ${repository.name}`}
          onConfirm={async () => {
            unwrap(
              await api.DELETE('/api/v2.0/projects/{project_name}/repositories/{repository_name}', {
                params: { path: { project_name: projectName, repository_name: repositoryParam(projectName, repository.name) } },
              }),
            );
            await queryClient.invalidateQueries({ queryKey: ['projects', projectName] });
          }}
        />
      ),
    },
  ];
  return (
    <ServerTable
      label="Repositories"
      queryKey={['projects', projectName, 'repositories']}
      searchLabel="Search repositories"
      columns={columns}
      rowKey={(repository) => repository.id}
      emptyText="No repositories yet: push an image to create one."
      fetchPage={async ({ page, pageSize, search }) =>
        pageOf<Repository>(
          await api.GET('/api/v2.0/projects/{project_name}/repositories', {
            params: { path: { project_name: projectName }, query: { page, page_size: pageSize, q: search ? `name=~${search}` : undefined, sort: '-update_time' } },
          }),
        )
      }
    />
  );
}
