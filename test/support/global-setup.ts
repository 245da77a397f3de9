/**
 * jest globalSetup: makes a real S3 server available to the suites (see s3-env.ts).
 *
 * WHARF_TEST_S3_ENDPOINT already set: that server is used as is. Otherwise RadosGW is started
 * (or an instance another jest run started is shared) under <repo>/.test-services/radosgw, and
 * the WHARF_TEST_S3_* variables are set here, so every worker inherits them. Without radosgw
 * installed: CI fails here (S3 tests may not be skipped there); elsewhere a loud warning, and
 * the S3 suites skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { RADOSGW_DIR, RADOSGW_SCRIPT, S3_ENV } from './s3-env';

/** read by global-teardown.ts (the two share this process, not their modules) */
export const STARTED_FLAG = '__wharfTestRadosgwStarted';

const inCi = (): boolean => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const onPath = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

export default async function globalSetup(): Promise<void> {
  if (process.env[S3_ENV.endpoint]) return;

  if (!onPath('radosgw')) {
    const message = 'radosgw is not installed, so there is no S3 server for the tests';
    if (inCi()) throw new Error(`${message} (CI is set, so the S3 tests may not be skipped)`);
    const bar = '!'.repeat(100);
    console.warn(
      `\n${bar}\n!! ${message}.\n!! SKIPPING the tests that need S3.\n!! Fix: apt-get install -y radosgw ceph-mon ceph-osd ceph-common uuid-runtime curl\n${bar}\n`,
    );
    return;
  }

  let out: string;
  try {
    out = execFileSync('bash', [RADOSGW_SCRIPT, 'start', RADOSGW_DIR], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
      // this jest process holds the server until global-teardown; a concurrent run shares it
      env: { ...process.env, WHARF_RADOSGW_HOLDER: String(process.pid) },
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`could not start RadosGW (${RADOSGW_SCRIPT} start ${RADOSGW_DIR}): ${e.stderr || e.message}`);
  }
  (globalThis as Record<string, unknown>)[STARTED_FLAG] = true;
  const value = (name: string): string => {
    const match = new RegExp(`^${name}=(\\S+)$`, 'm').exec(out);
    if (!match) throw new Error(`radosgw.sh printed no ${name}: ${out}`);
    return match[1];
  };
  process.env[S3_ENV.endpoint] = value('S3_ENDPOINT');
  process.env[S3_ENV.accessKeyId] = value('S3_ACCESS_KEY_ID');
  process.env[S3_ENV.secretAccessKey] = value('S3_SECRET_ACCESS_KEY');
}
