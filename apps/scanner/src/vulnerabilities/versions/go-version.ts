import { SemVer, compare } from 'semver';
import { ordering } from './version-ordering';

/**
 * Go module versions: semver with a `v` prefix (OSV records write them without it), where
 * pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019...`) are prereleases
 * and `+incompatible` is build metadata. The toolchain (`stdlib`) spells its releases `go1.21`,
 * `go1.21rc2`, `1.21.3`: those become `1.21.0`, `1.21.0-rc.2`, `1.21.3`.
 */
export function parseGoVersion(text: string): SemVer | null {
  let version = text.trim().replace(/^go(?=\d)/, '').replace(/^v(?=\d)/, '');
  const toolchain = /^(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?$/.exec(version);
  if (toolchain) {
    const [, major, minor, patch, pre, preNumber] = toolchain;
    version = `${major}.${minor}.${patch ?? 0}${pre ? `-${pre}.${preNumber}` : ''}`;
  }
  try {
    return new SemVer(version);
  } catch {
    return null;
  }
}

export const goOrdering = ordering(parseGoVersion, (a: SemVer, b: SemVer) => compare(a, b));
