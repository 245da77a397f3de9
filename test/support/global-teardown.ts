/** jest globalTeardown: stops the RadosGW global-setup.ts started (unless another jest run still uses it). */
import { spawnSync } from 'node:child_process';
import { STARTED_FLAG } from './global-setup';
import { RADOSGW_DIR, RADOSGW_SCRIPT } from './s3-env';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as Record<string, unknown>;
  if (!state[STARTED_FLAG]) return;
  delete state[STARTED_FLAG];
  spawnSync('bash', [RADOSGW_SCRIPT, 'stop', RADOSGW_DIR], {
    stdio: 'inherit',
    timeout: 60_000,
    env: { ...process.env, WHARF_RADOSGW_HOLDER: String(process.pid) },
  });
}
