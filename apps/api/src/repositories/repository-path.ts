import { ApiError } from '../management/api-error';

/**
 * The repository name inside its project, as Harbor's paths carry it: URL-encoded twice
 * (`a/b` -> `a%252Fb`); the router decoded it once, so one more decode gives the name.
 * Returns the full name `<project>/<repository>`.
 */
export function fullRepositoryName(project: string, encoded: string): string {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    throw new ApiError('BAD_REQUEST', `malformed repository name "${encoded}"`);
  }
  if (!name || name.startsWith('/') || name.endsWith('/')) throw new ApiError('BAD_REQUEST', `malformed repository name "${encoded}"`);
  return `${project}/${name}`;
}
