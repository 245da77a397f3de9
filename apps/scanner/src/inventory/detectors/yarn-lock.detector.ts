import { baseName, type DetectedPackage, type DetectorResult, type FileDetector, type LayerFile } from '../detector';

/**
 * `yarn.lock`, classic (v1: `version "1.2.3"`) and berry (`version: 1.2.3`, specs `name@npm:^1`).
 * Workspace and linked entries (`@workspace:`, `@link:`, `@portal:`, `@file:`) are the project's own.
 */
export class YarnLockDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'yarn-lock';
  readonly maxBytes = 64 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    return baseName(file.path) === 'yarn.lock' && !file.path.includes('node_modules/');
  }

  parse(content: Buffer): DetectorResult {
    return { packages: parseYarnLock(content.toString('utf8')) };
  }
}

export function parseYarnLock(text: string): DetectedPackage[] {
  const found = new Map<string, DetectedPackage>();
  let name: string | undefined;
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    if (!line.startsWith(' ')) {
      name = line.endsWith(':') ? packageName(line.slice(0, -1)) : undefined;
      continue;
    }
    if (!name) continue;
    const match = /^ {2}version:? "?([^"\s]+)"?\s*$/.exec(line);
    if (match) {
      found.set(`${name}@${match[1]}`, { ecosystem: 'npm', name, version: match[1] });
      name = undefined;
    }
  }
  return [...found.values()];
}

/** The package name of an entry's first spec: `"@babel/core@^7.0.0", "@babel/core@^7.1.0"` → `@babel/core`. */
function packageName(header: string): string | undefined {
  const first = header.split(',')[0].trim().replace(/^"|"$/g, '');
  const at = first.indexOf('@', first.startsWith('@') ? 1 : 0);
  if (at <= 0) return undefined;
  const range = first.slice(at + 1);
  if (/^(workspace|link|portal|file|patch|exec):/.test(range)) return undefined;
  // berry aliases (`alias@npm:real@^1`) resolve to the real package
  const alias = /^npm:((?:@[^/]+\/)?[^@]+)@/.exec(range);
  return alias ? alias[1] : first.slice(0, at);
}
