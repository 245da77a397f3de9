import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { builtEntry } from '../support/api-process';
import { within } from '../support/eventually';
import { RegistryClient } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

function stagedFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else found.push(join(dir, entry.name));
    }
  };
  walk(root);
  return found.filter((f) => f.includes('_wharf') || f.includes('_staging'));
}

describe('the worker purges abandoned uploads', () => {
  let environment: TestEnvironment;
  let api: RunningApi;

  beforeAll(async () => {
    // a fresh queue prefix per run is not needed: the scheduler id is stable and the handler idempotent
    environment = await createTestEnvironment('filesystem', { UPLOAD_PURGE_INTERVAL_MINUTES: '1', UPLOAD_PURGE_AGE_HOURS: '1' });
    api = await startApi(environment);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  it('removes sessions idle longer than the configured age, with their staged bytes, and keeps fresh ones', async () => {
    const client = new RegistryClient(api.url);
    // chunks larger than a first chunk the session row keeps (FIRST_CHUNK_MAX_BYTES): they are staged in files
    const stale = await within('POST stale upload', client.fetch('/v2/library/purge/blobs/uploads/', { method: 'POST' }));
    await within('PATCH stale upload', client.fetch(stale.headers.get('location')!, { method: 'PATCH', body: randomBytes(100_000) }));
    const fresh = await within('POST fresh upload', client.fetch('/v2/library/purge/blobs/uploads/', { method: 'POST' }));
    await within('PATCH fresh upload', client.fetch(fresh.headers.get('location')!, { method: 'PATCH', body: randomBytes(100_000) }));
    expect(stagedFiles(environment.config.STORAGE_FS_ROOT).length).toBeGreaterThanOrEqual(2);

    const db = new Client({ connectionString: environment.config.DATABASE_URL });
    await within('connecting to Postgres', db.connect());
    const staleId = stale.headers.get('docker-upload-uuid');
    await within('ageing the stale session', db.query(`UPDATE upload_session SET update_time = now() - interval '2 hours' WHERE id = $1`, [staleId]));

    const worker = spawn(process.execPath, [builtEntry('worker')], { env: { ...process.env, ...environment.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    worker.stdout!.on('data', (d) => (output += d));
    worker.stderr!.on('data', (d) => (output += d));
    try {
      const deadline = Date.now() + 30_000;
      let remaining: string[] = [];
      while (Date.now() < deadline) {
        remaining = (await within('listing sessions', db.query<{ id: string }>('SELECT id FROM upload_session'))).rows.map((r) => r.id);
        if (!remaining.includes(staleId!)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(remaining).toEqual([fresh.headers.get('docker-upload-uuid')]);
      expect(stagedFiles(environment.config.STORAGE_FS_ROOT)).toHaveLength(1);
      expect((await within('GET stale upload', client.fetch(stale.headers.get('location')!))).status).toBe(404);
      expect((await within('GET fresh upload', client.fetch(fresh.headers.get('location')!))).status).toBe(204);
    } finally {
      worker.kill('SIGTERM');
      await db.end();
      if (worker.exitCode === null) {
        const exited = new Promise((r) => worker.once('exit', r));
        await within('the worker stopping on SIGTERM', exited).catch((error: Error) => {
          worker.kill('SIGKILL');
          throw new Error(`${error.message}; its output:\n${output.slice(-4000)}`);
        });
      }
    }
    expect(output).not.toMatch(/failed to start/);
  });
});
