import { load } from 'js-yaml';
import { baseName, type DetectedPackage, type DetectorResult, type FileDetector, type LayerFile } from '../detector';

/**
 * `pnpm-lock.yaml`: the `packages` keys name each resolved package: `/name/1.2.3` (lockfile 5),
 * `/name@1.2.3` (6), `name@1.2.3` (9), with a peer-dependency suffix (`_react@18.2.0` or
 * `(react@18.2.0)`) to drop. Entries marked `dev: true` (lockfiles 5 and 6) are left out.
 */
export class PnpmLockDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'pnpm-lock';
  readonly maxBytes = 64 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    return baseName(file.path) === 'pnpm-lock.yaml' && !file.path.includes('node_modules/');
  }

  parse(content: Buffer): DetectorResult {
    const lock = load(content.toString('utf8'), { json: true }) as { packages?: Record<string, { dev?: boolean } | null> } | null;
    return { packages: parsePnpmPackages(lock?.packages ?? {}) };
  }
}

export function parsePnpmPackages(packages: Record<string, { dev?: boolean } | null>): DetectedPackage[] {
  const found = new Map<string, DetectedPackage>();
  for (const [key, entry] of Object.entries(packages)) {
    if (entry?.dev) continue;
    const parsed = parseKey(key);
    if (parsed) found.set(`${parsed.name}@${parsed.version}`, { ecosystem: 'npm', ...parsed });
  }
  return [...found.values()];
}

function parseKey(key: string): { name: string; version: string } | undefined {
  const bare = key.replace(/^\//, '').replace(/\(.*$/, '');
  const scoped = bare.startsWith('@');
  // lockfile 6 and 9: name@version
  const at = bare.indexOf('@', scoped ? 1 : 0);
  const name = bare.slice(0, at);
  if (at > 0 && name.split('/').length === (scoped ? 2 : 1)) {
    const version = bare.slice(at + 1);
    if (/^\d/.test(version)) return { name, version };
  }
  // lockfile 5: name/version[_peer@version]
  const parts = bare.split('/');
  const nameParts = scoped ? 2 : 1;
  if (parts.length !== nameParts + 1) return undefined;
  const version = parts[nameParts].replace(/_.*$/, '');
  return /^\d/.test(version) ? { name: parts.slice(0, nameParts).join('/'), version } : undefined;
}
