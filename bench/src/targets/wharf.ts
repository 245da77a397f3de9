import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from '../cleanup';
import { API_ENTRY } from '../paths';
import { BenchRegistryClient } from '../registry-client';
import { BENCH_REPOSITORIES } from '../repositories';
import { CpuProfiler } from './cpu-profiler';
import { ManagedProcess, freePort } from './managed-process';
import { assertProcessRuns } from './process-identity';
import { TARGET_LABELS, type Target } from './target';

/** The password of the `admin` system administrator the api creates on first start (the bench's own database). */
export const ADMIN_PASSWORD = 'wharf-bench-admin';
/** the api's default TOKEN_SERVICE */
export const TOKEN_SERVICE = 'wharf-registry';

/**
 * glibc's malloc settings and V8's young-generation size the Dockerfile and the npm start scripts
 * give every Wharf process (see docs/architecture.md, Memory): the api is measured as it runs in
 * production. NODE_OPTIONS the bench was started with (a preload, say) still reach the api.
 */
function productionRuntimeEnv(): Record<string, string> {
  const nodeOptions = ['--max-semi-space-size=8', process.env.NODE_OPTIONS].filter(Boolean).join(' ');
  return { NODE_OPTIONS: nodeOptions, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };
}

/**
 * ONE api process of the build the bench was compiled with (node dist/apps/api/src/main.js),
 * as production runs it; `env` carries the bench's database, Redis prefix and storage;
 * `busy` tells whether the api still has statements running in that database.
 * /v2 needs authentication, so the bench does what a logged-in docker client does: it gets a
 * bearer token from /service/token as `admin` (created with ADMIN_PASSWORD) and sends it on
 * every request. The token is renewed before each scenario, since it lasts 30 minutes.
 */
export async function startWharf(
  env: Record<string, string>,
  busy: () => Promise<boolean>,
  cleanup: Cleanup,
  profileDir?: string,
  build: { id: 'wharf' | 'baseline'; apiEntry: string } = { id: 'wharf', apiEntry: API_ENTRY },
): Promise<Target> {
  const entry = build.apiEntry;
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: build first (npm run build)`);
  const port = await freePort();
  const nodeArgs = profileDir ? ['--require', join(__dirname, 'cpu-profile-preload.js')] : [];
  // a metrics port of its own: a second api (--baseline) or any other Wharf on the machine holds the default 9090
  const metricsPort = await freePort();
  const processEnv = { ...process.env, ...productionRuntimeEnv(), ...env, ADMIN_PASSWORD, PORT: String(port), METRICS_PORT: String(metricsPort), ...(profileDir ? { WHARF_BENCH_CPU_PROFILE_DIR: profileDir } : {}) };
  const label = TARGET_LABELS[build.id];
  const api = ManagedProcess.start(`${label} api`, process.execPath, [...nodeArgs, entry], processEnv, cleanup, Boolean(profileDir));
  const baseUrl = `http://127.0.0.1:${port}`;
  await api.waitUntilAnswering(`${baseUrl}/health`);
  // every memory figure reads /proc/<pid>: make sure that pid is the api itself, not a launcher or wrapper
  assertProcessRuns(api.pid, entry);
  // WHARF_BENCH_AUTH=basic: Basic credentials on every request instead of a token (as `docker` does without a token service)
  const basic = process.env.WHARF_BENCH_AUTH === 'basic' ? `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` : undefined;
  const authorization = basic ?? `Bearer ${await fetchToken(baseUrl)}`;
  const client = new BenchRegistryClient(baseUrl, authorization);
  try {
    const monolithic = await client.probeMonolithicFlavor(BENCH_REPOSITORIES.probe, Buffer.from(`probe ${Date.now()}`));
    const target: Target = {
      id: build.id,
      label,
      baseUrl,
      process: api,
      monolithic,
      busy,
      profiler: profileDir ? new CpuProfiler(api, profileDir) : undefined,
      authorization,
      basicAuthorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`,
      async renewAuthorization() {
        this.authorization = basic ?? `Bearer ${await fetchToken(baseUrl)}`;
      },
    };
    return target;
  } finally {
    client.close();
  }
}

/** One docker token with pull,push on every repository the bench uses (one `scope` parameter each, as docker sends them). */
async function fetchToken(baseUrl: string): Promise<string> {
  const url = new URL('/service/token', baseUrl);
  url.searchParams.set('service', TOKEN_SERVICE);
  for (const repository of Object.values(BENCH_REPOSITORIES)) url.searchParams.append('scope', `repository:${repository}:pull,push`);
  const response = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /service/token: expected 200, got ${response.status} ${text.slice(0, 500)}`);
  const token = (JSON.parse(text) as { token?: unknown }).token;
  if (typeof token !== 'string' || !token) throw new Error(`GET /service/token: no token in ${text.slice(0, 500)}`);
  return token;
}
