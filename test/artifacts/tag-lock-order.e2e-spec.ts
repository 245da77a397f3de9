import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { callApi } from '../support/management-api';
import { RegistryClient, sha256 } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Tag writes lock the artifacts they touch before their tag rows (TagWriter), as deletes of an
 * artifact do (the artifact, then its tags through the cascade). The listed-count triggers lock
 * artifacts after a tag write, so a tag write that held its tag row first and a deep delete of the
 * artifact could each wait for the other (a deadlock a GC torture run met). Proven here by holding
 * the artifact's row: the untag waits for it while its tag row stays free.
 */
describe('tag writes lock artifacts before tags', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let registry: RegistryClient;
  let db: Client;
  let holder: Client;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
    registry = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    holder = new Client({ connectionString: environment.env.DATABASE_URL });
    await Promise.all([db.connect(), holder.connect()]);
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'locks' } })).status).toBe(201);
  });

  afterAll(async () => {
    await holder?.end();
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  async function pushImage(repository: string, tag: string): Promise<string> {
    const config = await registry.pushBlob(repository, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') })));
    const layer = await registry.pushBlob(repository, randomBytes(200));
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
      }),
    );
    expect((await registry.pushManifest(repository, tag, body, OCI_MANIFEST)).status).toBe(201);
    return sha256(body);
  }

  /** Waits until a statement containing `text` waits for a lock in the test's database. */
  async function waitForLockWait(text: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const waiting = await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`, [`%${text}%`]);
      if (waiting.rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no statement waited for a lock: ${text}`);
  }

  /** Whether another transaction could lock the tag row right now. */
  async function tagRowFree(repository: string, tag: string): Promise<boolean> {
    await db.query('BEGIN');
    try {
      await db.query(`SELECT 1 FROM tag t JOIN repository r ON r.repository_id = t.repository_id WHERE r.name = $1 AND t.name = $2 FOR UPDATE OF t NOWAIT`, [repository, tag]);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') return false;
      throw error;
    } finally {
      await db.query('ROLLBACK');
    }
  }

  it('a /v2 untag waits for the artifact with its tag row untouched, then removes the tag', async () => {
    const repository = 'locks/untag';
    const digest = await pushImage(repository, 'v1');
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM artifact WHERE digest = $1 FOR UPDATE`, [digest]);
    const untag = registry.fetch(`/v2/${repository}/manifests/v1`, { method: 'DELETE' });
    try {
      await waitForLockWait('FROM artifact WHERE id IN');
      expect(await tagRowFree(repository, 'v1')).toBe(true);
    } finally {
      await holder.query('ROLLBACK');
    }
    expect((await untag).status).toBe(202);
    expect((await registry.fetch(`/v2/${repository}/manifests/v1`, { method: 'HEAD', headers: { accept: OCI_MANIFEST } })).status).toBe(404);
  });

  it('moving a tag (management API) waits for both artifacts before its tag row', async () => {
    const repository = 'locks/move';
    const first = await pushImage(repository, 'stable');
    const second = await pushImage(repository, 'next');
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM artifact WHERE digest = $1 FOR UPDATE`, [first]);
    // a management tag create on the second artifact of a name the first holds: refused as taken, after the locks
    const create = callApi(api.url, 'POST', `/projects/locks/repositories/move/artifacts/${second}/tags`, { body: { name: 'stable' } });
    try {
      await waitForLockWait('FROM artifact WHERE id IN');
      expect(await tagRowFree(repository, 'stable')).toBe(true);
    } finally {
      await holder.query('ROLLBACK');
    }
    expect((await create).status).toBe(409);
  });
});
