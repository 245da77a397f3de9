import { InvalidError } from '@wharf/errors';

// distribution-spec: <name> = [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const MAX_NAME_LENGTH = 255;

export interface RepositoryName {
  /** the full name, e.g. library/team/app */
  name: string;
  /** the first path segment: the project that owns the repository */
  project: string;
}

/** Validates a repository name against the spec's grammar and Wharf's <project>/<path> rule. */
export function parseRepositoryName(name: string): RepositoryName {
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidError('name', `repository name must not exceed ${MAX_NAME_LENGTH} characters`, { details: { name: name.slice(0, 64) + '…' } });
  }
  if (!NAME.test(name)) {
    throw new InvalidError('name', 'invalid repository name', { details: { name } });
  }
  const slash = name.indexOf('/');
  if (slash < 0) {
    throw new InvalidError('name', 'repository name must be <project>/<repository>, e.g. library/' + name, { details: { name } });
  }
  return { name, project: name.slice(0, slash) };
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}
