import { InvalidError } from '@wharf/errors';

/** Harbor's rule: 1-255 lower-case letters, digits and . _ -, not starting with a separator. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9._-]{0,254}$/;

export function checkProjectName(name: string): void {
  if (!PROJECT_NAME.test(name)) {
    throw new InvalidError('request', 'project name must be 1-255 characters of lower-case letters, digits, ".", "_" and "-", starting with a letter or digit');
  }
}
