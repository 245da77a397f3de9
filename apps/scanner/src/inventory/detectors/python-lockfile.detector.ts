import { baseName, type DetectedPackage, type DetectorResult, type FileDetector, type LayerFile } from '../detector';

/**
 * Python lockfiles of an application: `poetry.lock` (`[[package]]` tables), `Pipfile.lock` (JSON,
 * `default` section: `develop` is left out) and `requirements.txt` (pinned `name==version` lines only:
 * a range names no installed version).
 */
export class PythonLockfileDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'python-lockfile';
  readonly maxBytes = 32 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    const name = baseName(file.path);
    if (file.path.includes('site-packages/') || file.path.includes('dist-packages/')) return false;
    return name === 'poetry.lock' || name === 'Pipfile.lock' || name === 'requirements.txt';
  }

  parse(content: Buffer, file: LayerFile): DetectorResult {
    const text = content.toString('utf8');
    const name = baseName(file.path);
    const packages = name === 'poetry.lock' ? parsePoetryLock(text) : name === 'Pipfile.lock' ? parsePipfileLock(text) : parseRequirements(text);
    return { packages };
  }
}

/** The `name` and `version` keys of each `[[package]]` table (TOML, but these two are plain strings). */
export function parsePoetryLock(text: string): DetectedPackage[] {
  const packages: DetectedPackage[] = [];
  let current: { name?: string; version?: string; category?: string } | null = null;
  const flush = () => {
    if (current?.name && current.version && current.category !== 'dev') packages.push({ ecosystem: 'pypi', name: current.name, version: current.version });
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      if (line === '[[package]]') {
        flush();
        current = {};
      } else if (!line.startsWith('[package.')) {
        flush();
        current = null;
      }
      continue;
    }
    if (!current) continue;
    const match = /^(name|version|category)\s*=\s*"([^"]*)"/.exec(line);
    if (match && current[match[1] as 'name'] === undefined) current[match[1] as 'name'] = match[2];
  }
  flush();
  return packages;
}

export function parsePipfileLock(text: string): DetectedPackage[] {
  const lock = JSON.parse(text) as { default?: Record<string, { version?: string }> };
  return Object.entries(lock.default ?? {})
    .filter(([, entry]) => typeof entry.version === 'string' && entry.version.startsWith('=='))
    .map(([name, entry]) => ({ ecosystem: 'pypi' as const, name, version: (entry.version as string).slice(2) }));
}

export function parseRequirements(text: string): DetectedPackage[] {
  const packages: DetectedPackage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').split(';')[0].trim();
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)(?:\s+--hash=\S+)*\s*\\?$/.exec(line);
    if (match) packages.push({ ecosystem: 'pypi', name: match[1], version: match[2] });
  }
  return packages;
}
