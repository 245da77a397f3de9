import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from '../cleanup';
import { API_ENTRY } from '../paths';
import { BenchRegistryClient } from '../registry-client';
import { CpuProfiler } from './cpu-profiler';
import { ManagedProcess, freePort } from './managed-process';
import type { Target } from './target';

/**
 * ONE api process of the build the bench was compiled with (node dist/apps/api/src/main.js),
 * as production runs it; `env` carries the bench's database, Redis prefix and storage;
 * `busy` tells whether the api still has statements running in that database.
 */
export async function startWharf(env: Record<string, string>, busy: () => Promise<boolean>, cleanup: Cleanup, profileDir?: string): Promise<Target> {
  if (!existsSync(API_ENTRY)) throw new Error(`${API_ENTRY} does not exist: build first (npm run build)`);
  const port = await freePort();
  const nodeArgs = profileDir ? ['--require', join(__dirname, 'cpu-profile-preload.js')] : [];
  const processEnv = { ...process.env, ...env, PORT: String(port), ...(profileDir ? { WHARF_BENCH_CPU_PROFILE_DIR: profileDir } : {}) };
  const api = ManagedProcess.start('Wharf api', process.execPath, [...nodeArgs, API_ENTRY], processEnv, cleanup, Boolean(profileDir));
  const baseUrl = `http://127.0.0.1:${port}`;
  await api.waitUntilAnswering(`${baseUrl}/health`);
  const client = new BenchRegistryClient(baseUrl);
  try {
    const monolithic = await client.probeMonolithicFlavor('library/bench-probe', Buffer.from(`probe ${Date.now()}`));
    return { id: 'wharf', label: 'Wharf', baseUrl, process: api, monolithic, busy, profiler: profileDir ? new CpuProfiler(api, profileDir) : undefined };
  } finally {
    client.close();
  }
}
