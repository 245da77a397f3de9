import { compare, valid } from '@renovatebot/pep440';
import { ordering } from './version-ordering';

/**
 * PyPI: PEP 440 (epochs, pre-, post- and dev-releases, local versions), as Renovate's
 * `@renovatebot/pep440` implements it (a port of Python's `packaging.version`).
 */
export const pep440Ordering = ordering(
  (version: string) => (valid(version.trim()) ? version.trim() : null),
  (a: string, b: string) => compare(a, b),
);
