import { baseName, type DetectedPackage, type DetectorResult, type FileDetector, type LayerFile } from '../detector';

/**
 * `package-lock.json` (and `npm-shrinkwrap.json`), lockfile versions 1 (nested `dependencies`),
 * 2 and 3 (flat `packages` keyed by install path). Development dependencies are left out, as
 * Trivy does: an image built with `npm ci --omit=dev` does not have them.
 */
export class NpmLockfileDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'npm-lockfile';
  readonly maxBytes = 64 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    const name = baseName(file.path);
    return (name === 'package-lock.json' || name === 'npm-shrinkwrap.json') && !file.path.includes('node_modules/');
  }

  parse(content: Buffer): DetectorResult {
    return { packages: parsePackageLock(JSON.parse(content.toString('utf8')) as PackageLock) };
  }
}

interface LockEntry {
  version?: string;
  name?: string;
  dev?: boolean;
  link?: boolean;
  license?: string;
  dependencies?: Record<string, LockEntry>;
}

interface PackageLock {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
  dependencies?: Record<string, LockEntry>;
}

export function parsePackageLock(lock: PackageLock): DetectedPackage[] {
  const found = new Map<string, DetectedPackage>();
  const add = (name: string, entry: LockEntry) => {
    if (!entry.version || entry.dev || entry.link || !validVersion(entry.version)) return;
    const pkg: DetectedPackage = { ecosystem: 'npm', name, version: entry.version, ...(entry.license ? { licenses: [entry.license] } : {}) };
    found.set(`${name}@${entry.version}`, pkg);
  };
  if (lock.packages && (lock.lockfileVersion ?? 1) >= 2) {
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '') continue;
      const at = path.lastIndexOf('node_modules/');
      // a workspace's own folder (no node_modules in its path) is the project, not a dependency
      if (at < 0) continue;
      add(entry.name ?? path.slice(at + 'node_modules/'.length), entry);
    }
  } else {
    const walk = (dependencies: Record<string, LockEntry> | undefined) => {
      for (const [name, entry] of Object.entries(dependencies ?? {})) {
        add(name, entry);
        walk(entry.dependencies);
      }
    };
    walk(lock.dependencies);
  }
  return [...found.values()];
}

/** v1 lockfiles name git and file dependencies by URL in `version`: those are no registry versions. */
const validVersion = (version: string): boolean => /^\d/.test(version);
