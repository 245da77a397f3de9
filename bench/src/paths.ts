import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The compiled bench lives at <out>/bench/src/*.js next to <out>/apps and <out>/libs of the
 * same swc run, so the api it starts is always the build it was compiled with (whatever <out>).
 */
export const BUILD_ROOT = join(__dirname, '..', '..');

export const API_ENTRY = join(BUILD_ROOT, 'apps', 'api', 'src', 'main.js');

/** The repository root: the nearest directory above the build that holds the "wharf" package.json. */
export function repositoryRoot(): string {
  for (let dir = BUILD_ROOT; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wharf') return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

export const DOCKER_REGISTRY_BINARY = '/usr/bin/docker-registry';
