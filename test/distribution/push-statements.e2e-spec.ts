/**
 * Issue 19: what one push costs the database. A 4 KiB blob pushed monolithically, the same pushed
 * docker's way (POST, PATCH, PUT), and a manifest PUT under a new tag each send at most a fixed
 * number of statements (counted on the pg client the api uses, in this process), commit
 * the upload session's bookkeeping without waiting for a WAL flush, and leave no staging object
 * behind. (Before issue 19: 10, 19 and 21 statements, and the manifest's transaction held the
 * project and repository rows from its middle to its commit; then 5, 11 and 16.) A docker-style
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

const REPOSITORY = 'library/counted';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Every statement the api sends to Postgres while `work` runs (BEGIN and COMMIT count), by the pg client's query(). */
async function statementsDuring(work: () => Promise<void>): Promise<string[]> {
  const sent: string[] = [];
  const original = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const config = args[0];
    sent.push(typeof config === 'string' ? config : String((config as { text?: string })?.text ?? ''));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await work();
  } finally {
    Client.prototype.query = original;
  }
  return sent.map((s) => s.replace(/\s+/g, ' ').trim());
}

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

  it('a monolithic POST ?digest= of 4 KiB: at most 5 statements, straight to its content address', async () => {
    const data = randomBytes(4096);
    const before = storedFiles(root);
    const statements = await statementsDuring(async () => {
      await client.pushBlob(REPOSITORY, data);
    });
    expect(statements.length).toBeLessThanOrEqual(5);
    expect(statements.filter((s) => s === 'BEGIN')).toEqual([]);
    const hex = sha256(data).slice(7);
    // the one new file is the blob at its content address: no temp or staging object left
    expect(storedFiles(root).filter((f) => !before.includes(f))).toEqual([`docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`]);
  });

  it('POST + PATCH + PUT of 4 KiB: at most 8 statements, the bookkeeping without WAL flush waits, one storage write at the content address', async () => {
    const data = randomBytes(4096);
    const digest = sha256(data);
    const hex = digest.slice(7);
    const blobKey = `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
    const before = storedFiles(root);
    let storageCalls: string[] = [];
    const statements = await statementsDuring(async () => {
      storageCalls = await storageCallsDuring(api.app.get<BlobDriver>(BLOB_DRIVER), () => pushDockerStyle(client, api.url, REPOSITORY, data));
    });
    expect(statements.length).toBeLessThanOrEqual(8);
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

  it('a manifest PUT under a new tag: at most 16 statements, one transaction holding no row exclusively, the charge before it', async () => {
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
    expect(statements.length).toBeLessThanOrEqual(16);
    expect(statements.filter((s) => s === 'BEGIN')).toHaveLength(1);
    const begin = statements.indexOf('BEGIN');
    const commit = statements.indexOf('COMMIT');
    // the statements that hold the project and repository rows exclusively are outside the transaction
    const charge = statements.findIndex((s) => s.includes('wharf_quota_charge('));
    const pushTime = statements.findIndex((s) => s.includes('UPDATE repository SET update_time'));
    expect(charge).toBeGreaterThanOrEqual(0);
    expect(charge).toBeLessThan(begin);
    expect(pushTime).toBeGreaterThan(commit);
    expect(statements.slice(begin, commit).filter((s) => /FOR (NO KEY )?UPDATE|^UPDATE (project|repository)/.test(s))).toEqual([]);
    expect((await client.fetch(`/v2/${REPOSITORY}/manifests/counted-1`, { headers: { accept: OCI_MANIFEST } })).status).toBe(200);
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
    expect(statements.length).toBeLessThanOrEqual(8);
    expect(storageCalls.filter((call) => !call.startsWith('createAppendable '))).toEqual([`write ${blobKey}`]);
    expect(await leftovers(driver)).toEqual([]);
    expect((await driver.stat(blobKey))?.size).toBe(4096);
  });
});
