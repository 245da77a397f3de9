import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import type { Project } from '../../api/models';

/** The project of the current /projects/:projectName/... route. */
export function useProjectName(): string {
  return useParams().projectName ?? '';
}

/** The current route's project (shared cache entry with the project page's header). */
export function useProject() {
  const projectName = useProjectName();
  return useQuery({
    queryKey: ['projects', projectName],
    queryFn: async () => unwrap<Project>(await api.GET('/api/v2.0/projects/{project_name_or_id}', { params: { path: { project_name_or_id: projectName } } })),
  });
}

/**
 * Harbor's repository path parameter: the name without the project prefix, its slashes encoded twice
 * (`demo/app` -> `demo%252Fapp`) so routers do not split it. openapi-fetch encodes once, so we encode once.
 */
export function repositoryParam(projectName: string, repositoryName: string): string {
  const short = repositoryName.startsWith(`${projectName}/`) ? repositoryName.slice(projectName.length + 1) : repositoryName;
  return short.replaceAll('/', '%2F');
}
