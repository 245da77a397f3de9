import { useParams } from 'react-router';

/** The project of the current /projects/:projectName/... route. */
export function useProjectName(): string {
  return useParams().projectName ?? '';
}

/**
 * Harbor's repository path parameter: the name without the project prefix, its slashes encoded twice
 * (`demo/app` -> `demo%252Fapp`) so routers do not split it. openapi-fetch encodes once, so we encode once.
 */
export function repositoryParam(projectName: string, repositoryName: string): string {
  const short = repositoryName.startsWith(`${projectName}/`) ? repositoryName.slice(projectName.length + 1) : repositoryName;
  return short.replaceAll('/', '%2F');
}
