import { SemVer, compare } from 'semver';
import { ordering } from './version-ordering';

function parseSemver(version: string): SemVer | null {
  try {
    return new SemVer(version.trim());
  } catch {
    try {
      return new SemVer(version.trim(), { loose: true });
    } catch {
      return null;
    }
  }
}

/** npm packages and OSV `SEMVER` ranges: SemVer 2.0 as npm's own `semver` reads it (prereleases before the release). */
export const semverOrdering = ordering(parseSemver, (a: SemVer, b: SemVer) => compare(a, b));
