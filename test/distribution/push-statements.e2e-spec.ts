/**
 * Issue 19: what one push costs the database. A 4 KiB blob pushed monolithically, the same pushed
 * docker's way (POST, PATCH, PUT), and a manifest PUT under a new tag each send at most a fixed
 * number of statements (counted on the pg client the api uses, in this process), commit
 * the upload session's bookkeeping without waiting for a WAL flush, and leave no staging object
 * behind. (Before issue 19: 10, 19 and 21 statements, and the manifest's transaction held the
 * project and repository rows from its middle to its commit; then 5, 11 and 16, the
 * manifest's with a client-side transaction and three WAL flush waits; then 5, 8 and 6, each
 * reading the project pushed to, and the blob pushes their quota budget, on every request: both
 * are remembered per process now, forgotten when the project changes; a blob's row and its
 * charge are one statement; the manifest's quota budget and own-blob claim are part of its early
 * read.) A docker-style
 * push of a small blob keeps its one chunk in the session row and writes the blob once, at its
 * content address, on the filesystem and on S3: no staging object, seal, rename or copy (the
 * storage driver's calls are counted too).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BLOB_DRIVER, type BlobDriver } from '@wharf/storage';
import { Client } from 'pg';
import { RegistryClient, sha256 } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { statementsDuring } from '../support/pg-statements';
import { ProjectService } from '@wharf/projects';

const REPOSITORY = 'library/counted';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';


/** Every call the api makes on its storage driver while `work` runs, as `method key`. */
async function storageCallsDuring(driver: BlobDriver, work: () => Promise<void>): Promise<string[]> {
  const calls: string[] = [];
  const methods = ['stat', 'read', 'write', 'delete', 'deleteMany', 'move', 'createAppendable', 'append', 'seal', 'abort'] as const;
  const originals = methods.map((method) => [method, driver[method]] as const);
  for (const [method, original] of originals) {
    (driver as unknown as Record<string, unknown>)[method] = function (this: BlobDriver, ...args: unknown[]) {
      const first = args[0];
      calls.push(`${method} ${typeof first === 'string' ? first : ((first as { key?: string })?.key ?? '')}`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  try {
    await work();
  } finally {
    for (const [method, original] of originals) (driver as unknown as Record<string, unknown>)[method] = original;
  }
  return calls;
}

/** POST, one PATCH with all of `data`, PUT ?digest= (as docker pushes a layer). */
async function pushDockerStyle(client: RegistryClient, baseUrl: string, repository: string, data: Buffer): Promise<void> {
  const started = await client.fetch(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  expect(started.status).toBe(202);
  const patched = await client.fetch(started.headers.get('location')!, { method: 'PATCH', body: data, headers: { 'content-type': 'application/octet-stream' } });
  expect(patched.status).toBe(202);
  expect(patched.headers.get('range')).toBe(`0-${data.length - 1}`);
  const location = new URL(patched.headers.get('location')!, baseUrl);
  location.searchParams.set('digest', sha256(data));
  const finished = await client.fetch(`${location.pathname}${location.search}`, { method: 'PUT' });
  expect(finished.status).toBe(201);
}

/** The storage leftovers (staging files, multipart uploads, tails) the driver lists, at any age. */
async function leftovers(driver: BlobDriver): Promise<string[]> {
  const found: string[] = [];
  for await (const leftover of driver.listLeftovers(new Date(Date.now() + 60_000))) found.push(leftover.id);
  return found;
}

/** Files under the storage root, relative to it. */
function storedFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? storedFiles(root, join(dir, entry.name)) : [relative(root, join(dir, entry.name))],
  );
}

describe('what a push costs the database', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let client: RegistryClient;
  let root: string;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    root = environment.env.STORAGE_FS_ROOT;
    api = await startApi(environment);
    client = new RegistryClient(api.url);
    // warm: the project lookups and rules caches of the first request are not what is counted
    await client.pushImage(REPOSITORY, 'warm-up');
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  it('a monolithic POST ?digest= of 4 KiB: at most 2 statements (no project or quota read; the row and its charge one), straight to its content address', async () => {
    const data = randomBytes(4096);
    const before = storedFiles(root);
    const statements = await statementsDuring(async () => {
      await client.pushBlob(REPOSITORY, data);
    });
    expect(statements.length).toBeLessThanOrEqual(2);
    expect(statements.filter((s) => s === 'BEGIN')).toEqual([]);
    // the blob's row and its charge: one statement, committed synchronously (a 201 is durable)
    const recorded = statements.filter((s) => s.includes('wharf_blob_record('));
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toContain('p_synchronous_commit => true');
    // the project and whether it has a quota limit are remembered from earlier pushes
    expect(statements.filter((s) => /FROM project\b/.test(s))).toEqual([]);
    const hex = sha256(data).slice(7);
    // the one new file is the blob at its content address: no temp or staging object left
    expect(storedFiles(root).filter((f) => !before.includes(f))).toEqual([`docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`]);
  });

  it('POST + PATCH + PUT of 4 KiB: at most 5 statements (no project or quota read), the bookkeeping without WAL flush waits, one storage write at the content address', async () => {
    const data = randomBytes(4096);
    const digest = sha256(data);
    const hex = digest.slice(7);
    const blobKey = `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
    const before = storedFiles(root);
    let storageCalls: string[] = [];
    const statements = await statementsDuring(async () => {
      storageCalls = await storageCallsDuring(api.app.get<BlobDriver>(BLOB_DRIVER), () => pushDockerStyle(client, api.url, REPOSITORY, data));
    });
    expect(statements.length).toBeLessThanOrEqual(5);
    expect(statements.filter((s) => /FROM project\b/.test(s))).toEqual([]);
    expect(statements.filter((s) => s.includes('wharf_blob_record(') && s.includes('p_synchronous_commit => true'))).toHaveLength(1);
    // the session starts in one statement (no transaction around it); the chunk kept in the row and
    // the row removed by the PUT, no lease: none waits for a WAL flush (the start's function turns it off too)
    expect(statements.filter((s) => s === 'BEGIN')).toEqual([]);
    expect(statements.filter((s) => s.includes('wharf_upload_session_start('))).toHaveLength(1);
    const sessionWrites = statements.filter((s) => /(UPDATE|DELETE FROM) upload_session/.test(s));
    expect(sessionWrites).toHaveLength(2);
    for (const statement of sessionWrites) expect(statement).toContain(`set_config('synchronous_commit', 'off', true)`);
    expect(statements.filter((s) => s.includes('busy_until = now() +'))).toEqual([]);
    // storage: the bytes written once, at their content address (no staging file made, sealed or renamed)
    expect(storageCalls).toEqual(['createAppendable docker/registry/v2/_wharf/uploads/' + storageCalls[0]?.split('/uploads/')[1], `write ${blobKey}`]);
    expect(storedFiles(root).filter((f) => !before.includes(f))).toEqual([blobKey]);
    expect(await leftovers(api.app.get<BlobDriver>(BLOB_DRIVER))).toEqual([]);
    expect((await client.fetch(`/v2/${REPOSITORY}/blobs/${digest}`)).status).toBe(200);
  });

  it('POST + two PATCHes + PUT: the first chunk kept in the row goes to storage ahead of the second', async () => {
    const data = randomBytes(100_000);
    const digest = sha256(data);
    const started = await client.fetch(`/v2/${REPOSITORY}/blobs/uploads/`, { method: 'POST' });
    let location = started.headers.get('location')!;
    for (const [start, end] of [[0, 1000], [1000, data.length]]) {
      const patched = await client.fetch(location, {
        method: 'PATCH',
        body: data.subarray(start, end),
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end - 1}` },
      });
      expect(patched.status).toBe(202);
      expect(patched.headers.get('range')).toBe(`0-${end - 1}`);
      location = patched.headers.get('location')!;
    }
    const finished = await client.fetch(`${location}${location.includes('?') ? '&' : '?'}digest=${digest}`, { method: 'PUT' });
    expect(finished.status).toBe(201);
    const pulled = await client.fetch(`/v2/${REPOSITORY}/blobs/${digest}`);
    expect(Buffer.from(await pulled.arrayBuffer()).equals(data)).toBe(true);
    expect(await leftovers(api.app.get<BlobDriver>(BLOB_DRIVER))).toEqual([]);
  });

  it('a small single-PATCH upload closed with the wrong digest: refused, nothing stored', async () => {
    const data = randomBytes(4096);
    const before = storedFiles(root);
    const started = await client.fetch(`/v2/${REPOSITORY}/blobs/uploads/`, { method: 'POST' });
    const patched = await client.fetch(started.headers.get('location')!, { method: 'PATCH', body: data, headers: { 'content-type': 'application/octet-stream' } });
    const location = patched.headers.get('location')!;
    const finished = await client.fetch(`${location}${location.includes('?') ? '&' : '?'}digest=${sha256(randomBytes(16))}`, { method: 'PUT' });
    expect(finished.status).toBe(400);
    expect(storedFiles(root).filter((f) => !before.includes(f))).toEqual([]);
    // the upload is over, as after any digest mismatch
    expect((await client.fetch(location, { method: 'GET' })).status).toBe(404);
  });

  it('a manifest PUT under a new tag: at most 3 statements (the project remembered; the quota budget and the claim of its own blob part of the early read), its transaction one statement holding no row exclusively, the charge before it without a flush wait', async () => {
    const layer = await client.pushBlob(REPOSITORY, randomBytes(4096));
    const config = await client.pushBlob(REPOSITORY, Buffer.from('{"architecture":"amd64","os":"linux"}'));
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
      layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
    };
    const statements = await statementsDuring(async () => {
      const response = await client.pushManifest(REPOSITORY, 'counted-1', manifest, OCI_MANIFEST);
      expect(response.status).toBe(201);
    });
    expect(statements.length).toBeLessThanOrEqual(3);
    // the early read carries the quota budget and the claim of the manifest's own blob: no statement of their own
    expect(statements.filter((s) => /storage_limit|FROM blob WHERE digest = \$1 AND status IN/.test(s))).toHaveLength(1);
    // no client-side transaction: the push's transaction is one statement, committed synchronously
    expect(statements.filter((s) => s === 'BEGIN')).toEqual([]);
    const push = statements.filter((s) => s.includes('wharf_manifest_push('));
    expect(push).toHaveLength(1);
    expect(push[0]).not.toContain('synchronous_commit');
    // the manifest's blob row and its charge (the only exclusive hold of the project row) come before it, in one statement without a flush wait
    const charge = statements.findIndex((s) => s.includes('wharf_blob_record(') && s.includes('p_synchronous_commit => false'));
    expect(charge).toBeGreaterThanOrEqual(0);
    expect(charge).toBeLessThan(statements.indexOf(push[0]));
    expect(statements.filter((s) => s.includes('wharf_quota_charge(') || /^UPDATE (project|repository)/.test(s))).toEqual([]);
    expect((await client.fetch(`/v2/${REPOSITORY}/manifests/counted-1`, { headers: { accept: OCI_MANIFEST } })).status).toBe(200);
  });

  it("the early read's claim leaves a deletefailed row of the manifest's own digest to the claim before the write: a refused push keeps it, a push writes the bytes", async () => {
    const database = new Client({ connectionString: environment.env.DATABASE_URL });
    await database.connect();
    try {
      const layer = await client.pushBlob(REPOSITORY, randomBytes(256));
      const config = await client.pushBlob(REPOSITORY, Buffer.from('{"architecture":"s390x","os":"linux"}'));
      const manifestOf = (layers: Array<{ digest: string; size: number }>) => ({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: layers.map((l) => ({ ...l, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })),
      });
      // GC could not delete these digests' bytes earlier (rows left deletefailed, the bytes gone since)
      const refused = manifestOf([layer, { digest: sha256(Buffer.from('never pushed either')), size: 5 }]);
      const pushed = manifestOf([layer]);
      const digestOf = (m: object) => sha256(Buffer.from(JSON.stringify(m)));
      await database.query(`INSERT INTO blob (digest, size, status) SELECT unnest($1::varchar[]), unnest($2::bigint[]), 'deletefailed'`, [
        [digestOf(refused), digestOf(pushed)],
        [JSON.stringify(refused).length, JSON.stringify(pushed).length],
      ]);

      expect((await client.pushManifest(REPOSITORY, 'refused-over-deletefailed', refused, OCI_MANIFEST)).status).toBe(400);
      // not claimed back to none by a push that stored nothing: the row would stand for missing bytes
      expect((await database.query(`SELECT status FROM blob WHERE digest = $1`, [digestOf(refused)])).rows[0].status).toBe('deletefailed');

      expect((await client.pushManifest(REPOSITORY, 'over-deletefailed', pushed, OCI_MANIFEST)).status).toBe(201);
      expect((await database.query(`SELECT status FROM blob WHERE digest = $1`, [digestOf(pushed)])).rows[0].status).toBe('none');
      const hex = digestOf(pushed).slice(7);
      expect(storedFiles(root)).toContain(`docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`);
      const pulled = await client.fetch(`/v2/${REPOSITORY}/manifests/${digestOf(pushed)}`, { headers: { accept: OCI_MANIFEST } });
      expect(pulled.status).toBe(200);
    } finally {
      await database.end();
    }
  });

  it("the push functions take the project and repository rows with shared locks only (a repository held by another writer does not stop a push)", async () => {
    const database = new Client({ connectionString: environment.env.DATABASE_URL });
    await database.connect();
    try {
      const definitions = await database.query<{ name: string; body: string }>(
        `SELECT proname AS name, prosrc AS body FROM pg_proc WHERE proname IN ('wharf_manifest_push', 'wharf_blob_record')`,
      );
      expect(definitions.rows.map((d) => d.name).sort()).toEqual(['wharf_blob_record', 'wharf_manifest_push']);
      const push = definitions.rows.find((d) => d.name === 'wharf_manifest_push')!.body;
      // exclusive row locks in the push's transaction: an index's children (the listed count's recount
      // lock, see linkChildren) and the repository's time stamp, which skips a row another push holds
      expect(push.match(/FOR (NO KEY )?UPDATE[^;]*/g)).toEqual(['FOR NO KEY UPDATE) a', 'FOR NO KEY UPDATE SKIP LOCKED)']);
      expect(push).not.toMatch(/UPDATE project|wharf_quota_charge/);
      // the manifest's own blob is recorded with p_synchronous_commit => false (its statement, above)
      const recordAndCharge = definitions.rows.find((d) => d.name === 'wharf_blob_record')!.body;
      expect(recordAndCharge).toMatch(/IF NOT p_synchronous_commit THEN\s+PERFORM set_config\('synchronous_commit', 'off', true\);/);

      // while another transaction holds the repository row exclusively, a push still completes
      const layer = await client.pushBlob(REPOSITORY, randomBytes(1024));
      const config = await client.pushBlob(REPOSITORY, Buffer.from('{"architecture":"arm64","os":"linux"}'));
      await database.query('BEGIN');
      const held = await database.query<{ update_time: Date }>(`SELECT update_time FROM repository WHERE name = $1 FOR NO KEY UPDATE`, [REPOSITORY]);
      const response = await client.pushManifest(REPOSITORY, 'while-held', {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
      }, OCI_MANIFEST);
      expect(response.status).toBe(201);
      await database.query('COMMIT');
      // its stamp was skipped (the holder's stands); the next push stamps the repository again
      const after = await database.query<{ update_time: Date }>(`SELECT update_time FROM repository WHERE name = $1`, [REPOSITORY]);
      expect(after.rows[0].update_time).toEqual(held.rows[0].update_time);
      await client.pushManifest(REPOSITORY, 'after-held', {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
        annotations: { again: 'yes' },
      }, OCI_MANIFEST);
      const stamped = await database.query<{ update_time: Date }>(`SELECT update_time FROM repository WHERE name = $1`, [REPOSITORY]);
      expect(stamped.rows[0].update_time.getTime()).toBeGreaterThan(held.rows[0].update_time.getTime());
    } finally {
      await database.end();
    }
  });

  it('the push function refuses, under its locks, what the early checks refuse (races), with the SQLSTATE the command maps', async () => {
    const database = new Client({ connectionString: environment.env.DATABASE_URL });
    await database.connect();
    try {
      const [{ project_id: projectId }] = (await database.query<{ project_id: number }>(`SELECT project_id FROM project WHERE name = 'library'`)).rows;
      const manifestDigest = sha256(Buffer.from('not stored'));
      const push = (overrides: { blobs?: string[]; sizes?: number[]; children?: string[]; tags?: string[]; mayMove?: boolean[]; digest?: string }) =>
        database.query(
          `SELECT * FROM wharf_manifest_push($1, $2, $3, $4, NULL, NULL, NULL, 2, '\\x7b7d', NULL, 'IMAGE', $5, $6, $7, $8, $9, $10, $11, '{}', '{}', '{}')`,
          [
            projectId, REPOSITORY, overrides.digest ?? manifestDigest, OCI_MANIFEST, overrides.blobs ?? [], overrides.sizes ?? [],
            overrides.children ?? [], (overrides.children ?? []).map(() => null), (overrides.children ?? []).map(() => null),
            overrides.tags ?? [], overrides.mayMove ?? [],
          ],
        ).then(() => 'stored', (error: { code?: string }) => error.code);
      // the manifest's own blob not linked (collected or released since its charge): pushed round again
      expect(await push({})).toBe('WB001');
      // a stored, linked blob stands in for the manifest's own from here on
      const own = await client.pushBlob(REPOSITORY, randomBytes(64));
      const layer = await client.pushBlob(REPOSITORY, randomBytes(128));
      expect(await push({ digest: own.digest, blobs: [sha256(Buffer.from('never pushed'))], sizes: [1] })).toBe('WB002');
      expect(await push({ digest: own.digest, blobs: [layer.digest], sizes: [layer.size + 1] })).toBe('WB003');
      expect(await push({ digest: own.digest, blobs: [layer.digest], sizes: [layer.size], children: [sha256(Buffer.from('no child'))] })).toBe('WR001');
      // counted-1 names another artifact: it moves only when allowed
      expect(await push({ digest: own.digest, blobs: [layer.digest], sizes: [layer.size], tags: ['counted-1'], mayMove: [false] })).toBe('WI001');
      // nothing of the refused attempts was written
      expect((await database.query(`SELECT 1 FROM artifact WHERE digest = $1`, [own.digest])).rowCount).toBe(0);
      expect((await database.query(`SELECT 1 FROM tag t JOIN artifact a ON a.id = t.artifact_id WHERE t.name = 'counted-1' AND a.digest = $1`, [own.digest])).rowCount).toBe(0);
    } finally {
      await database.end();
    }
  });
});

describe('what pushes remember of a project', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let client: RegistryClient;
  let root: string;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    root = environment.env.STORAGE_FS_ROOT;
    api = await startApi(environment);
    client = new RegistryClient(api.url);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  const blobFile = (data: Buffer) => {
    const hex = sha256(data).slice(7);
    return `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
  };

  it('a project deleted after pushes to it: the next push is refused at once, as one that never existed', async () => {
    const projects = api.app.get(ProjectService);
    await projects.create({ project_name: 'short-lived' }, null);
    // pushed to twice: the second finds the project remembered
    await client.pushBlob('short-lived/app', randomBytes(512));
    const remembered = await statementsDuring(async () => {
      await client.pushBlob('short-lived/app', randomBytes(512));
    });
    expect(remembered.filter((s) => /FROM project\b/.test(s))).toEqual([]);
    await projects.delete((await projects.get('short-lived'))!);
    for (const attempt of [
      () => client.fetch('/v2/short-lived/app/blobs/uploads/', { method: 'POST' }),
      () => client.fetch(`/v2/short-lived/app/blobs/uploads/?digest=${sha256(Buffer.from('late'))}`, { method: 'POST', body: Buffer.from('late') }),
    ]) {
      const response = await attempt();
      expect(response.status).toBe(404);
      expect(((await response.json()) as { errors: { code: string }[] }).errors[0].code).toBe('NAME_UNKNOWN');
    }
  });

  it('a limit set on a project remembered as unlimited: the next push beyond it is refused before anything is stored, monolithic or docker-style', async () => {
    const projects = api.app.get(ProjectService);
    await projects.create({ project_name: 'limited-later', storage_limit: -1 }, null);
    await client.pushBlob('limited-later/app', randomBytes(1000));
    const unlimited = await statementsDuring(async () => {
      await client.pushBlob('limited-later/app', randomBytes(1000));
    });
    // no budget read: the project is known to have no limit
    expect(unlimited.filter((s) => /FROM project\b/.test(s))).toEqual([]);
    await projects.update((await projects.get('limited-later'))!, { storage_limit: 2500 });

    const tooBig = randomBytes(1000);
    const monolithic = await client.fetch(`/v2/limited-later/app/blobs/uploads/?digest=${sha256(tooBig)}`, { method: 'POST', body: tooBig, headers: { 'content-type': 'application/octet-stream' } });
    expect(monolithic.status).toBe(403);
    // refused by the early check, not by the charge after the write: no bytes at its address
    expect(storedFiles(root)).not.toContain(blobFile(tooBig));

    const started = await client.fetch('/v2/limited-later/app/blobs/uploads/', { method: 'POST' });
    const patched = await client.fetch(started.headers.get('location')!, { method: 'PATCH', body: tooBig, headers: { 'content-type': 'application/octet-stream' } });
    expect(patched.status).toBe(403);
    expect((await client.fetch(started.headers.get('location')!, { method: 'GET' })).status).toBe(404);

    // what fits still goes through
    const fits = randomBytes(400);
    await client.pushBlob('limited-later/app', fits);
    expect(storedFiles(root)).toContain(blobFile(fits));
  });
});

describe('a small docker-style push on S3', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let client: RegistryClient;

  beforeAll(async () => {
    environment = await createTestEnvironment('s3');
    api = await startApi(environment);
    client = new RegistryClient(api.url);
    await client.pushImage(REPOSITORY, 'warm-up');
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  it('writes the blob once, at its content address: no tail object, multipart upload or server-side copy', async () => {
    const driver = api.app.get<BlobDriver>(BLOB_DRIVER);
    const data = randomBytes(4096);
    const hex = sha256(data).slice(7);
    const blobKey = `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
    const statements: string[] = [];
    const storageCalls = await storageCallsDuring(driver, async () => {
      statements.push(...(await statementsDuring(() => pushDockerStyle(client, api.url, REPOSITORY, data))));
    });
    expect(statements.length).toBeLessThanOrEqual(5);
    expect(storageCalls.filter((call) => !call.startsWith('createAppendable '))).toEqual([`write ${blobKey}`]);
    expect(await leftovers(driver)).toEqual([]);
    expect((await driver.stat(blobKey))?.size).toBe(4096);
  });
});
