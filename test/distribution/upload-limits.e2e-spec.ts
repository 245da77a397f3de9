/**
 * Issue 11, items 12, 13 and 19, on both storage drivers: uploads are held to the project's
 * quota as their bytes arrive, refused pushes leave no bytes behind, a failed or crashed chunk
 * leaves the upload where its last good chunk ended (with nothing extra staged) and resumable
 * at once, storage leftovers nobody holds are purged, and open sessions are capped per principal.
 */
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { UploadSessions } from '@wharf/registry-core';
import { createBlobDriver, type BlobDriver } from '@wharf/storage';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { startApiProcess } from '../support/api-process';
import { eventually } from '../support/eventually';
import { callApi } from '../support/management-api';
import { RegistryClient, errorCode, sha256 } from '../support/registry-client';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { spawnWorker } from '../support/worker-context';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type StorageKind, type TestEnvironment } from '../support/wharf-app';

const kinds: StorageKind[] = s3Available() ? ['filesystem', 's3'] : ['filesystem'];
const KiB = 1024;
const MiB = 1024 * KiB;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

const blobKeyOf = (data: Buffer): string => {
  const hex = sha256(data).slice(7);
  return `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
};

/** A request whose body the test writes piece by piece (no Content-Length: chunked transfer encoding). */
function streamingRequest(url: string, method: string, headers: Record<string, string> = {}): { request: ClientRequest; answer: Promise<{ status: number; body: string }> } {
  // a connection of its own: a pooled one could carry the rest of an earlier refused body
  const request = httpRequest(url, { method, agent: false, headers: { authorization: basicAuth(TEST_ADMIN), 'content-type': 'application/octet-stream', ...headers } });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (response) => {
      let body = '';
      response.on('data', (d) => (body += d));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
  return { request, answer };
}

/** Writes `data` in 64 KiB pieces, each once the socket takes it; stops quietly when the server has already answered. */
async function writeAll(request: ClientRequest, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length && !request.destroyed; offset += 64 * KiB) {
    const more = request.write(data.subarray(offset, offset + 64 * KiB));
    if (!more) await drainedOrClosed(request);
  }
}

/** Waits for the socket to take more, or to close; the listener not fired is removed (no pile-up over many pieces). */
function drainedOrClosed(request: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      request.off('drain', done);
      request.off('close', done);
      resolve();
    };
    request.once('drain', done);
    request.once('close', done);
  });
}

describe.each(kinds)('upload limits on %s storage', (storage) => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let registry: RegistryClient;
  let db: Client;
  let driver: BlobDriver;
  let s3: S3Client | undefined;

  beforeAll(async () => {
    environment = await createTestEnvironment(storage, { UPLOAD_SESSIONS_PER_PRINCIPAL: '5' });
    api = await startApi(environment);
    registry = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    driver = await createBlobDriver(environment.config);
    if (storage === 's3') {
      s3 = new S3Client({
        endpoint: environment.env.S3_ENDPOINT,
        region: environment.env.S3_REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: environment.env.S3_ACCESS_KEY_ID, secretAccessKey: environment.env.S3_SECRET_ACCESS_KEY },
      });
    }
  });

  afterAll(async () => {
    s3?.destroy();
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  async function createProject(name: string, storageLimit: number): Promise<void> {
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: name, storage_limit: storageLimit } })).status).toBe(201);
  }

  /**
   * Every byte kept outside the blobs: filesystem temp and staging files (with their sizes) and
   * upload staging objects; S3 multipart uploads in progress, staging objects and appendable tails.
   */
  async function staged(): Promise<string[]> {
    if (storage === 'filesystem') {
      const root = environment.env.STORAGE_FS_ROOT;
      const found: string[] = [];
      const walk = (dir: string): void => {
        if (!existsSync(dir)) return;
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else found.push(`${path.slice(root.length + 1)} (${statSync(path).size} bytes)`);
        }
      };
      for (const dir of ['_tmp', '_staging', 'docker/registry/v2/_wharf']) walk(join(root, dir));
      return found;
    }
    const Bucket = environment.env.S3_BUCKET;
    const uploads = await s3!.send(new ListMultipartUploadsCommand({ Bucket }));
    const objects = [];
    // upload staging objects, and the adapter's appendable tails
    for (const Prefix of ['docker/registry/v2/_wharf/', '_staging/']) objects.push(...((await s3!.send(new ListObjectsV2Command({ Bucket, Prefix }))).Contents ?? []));
    return [...(uploads.Uploads ?? []).map((u) => `multipart ${u.Key}`), ...objects.map((o) => `object ${o.Key} (${o.Size} bytes)`)];
  }

  async function blobRowCount(data: Buffer): Promise<number> {
    return (await db.query('SELECT 1 FROM blob WHERE digest = $1', [sha256(data)])).rowCount ?? 0;
  }

  async function expectQuotaDenied(status: number, body: string): Promise<void> {
    expect(status).toBe(403);
    const error = (JSON.parse(body) as { errors: { code: string; message: string }[] }).errors[0];
    expect(error.code).toBe('DENIED');
    expect(error.message).toMatch(/quota/);
  }

  const patch = (location: string, chunk: Buffer, offset: number, client = registry) =>
    client.fetch(location, {
      method: 'PATCH',
      body: chunk,
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
    });

  const sessionIdOf = (location: string): string => location.split('/').pop()!.split('?')[0];

  it('refuses the chunk that takes a 1 MiB project over its quota, ends that upload and keeps none of its bytes', async () => {
    const project = `chunky-${storage}`;
    await createProject(project, MiB);
    const before = await staged();

    // four 256 KiB chunks fill the quota exactly; the fifth would take it over
    const started = await registry.fetch(`/v2/${project}/app/blobs/uploads/`, { method: 'POST' });
    expect(started.status).toBe(202);
    let location = started.headers.get('location')!;
    const chunk = randomBytes(256 * KiB);
    for (let i = 0; i < 4; i += 1) {
      const answer = await patch(location, chunk, i * chunk.length);
      expect(answer.status).toBe(202);
      location = answer.headers.get('location')!;
    }
    const over = await patch(location, chunk, 4 * chunk.length);
    await expectQuotaDenied(over.status, await over.text());
    // the upload is over, and nothing it staged is left
    expect((await registry.fetch(location)).status).toBe(404);
    expect(await staged()).toEqual(before);

    // a chunk of unknown length is cut off as soon as it passes the quota, not after 20 MiB
    const second = await registry.fetch(`/v2/${project}/app/blobs/uploads/`, { method: 'POST' });
    const streaming = streamingRequest(`${api.url}${second.headers.get('location')}`, 'PATCH');
    const written = writeAll(streaming.request, randomBytes(20 * MiB)).then(() => streaming.request.end());
    const answer = await streaming.answer;
    streaming.request.destroy();
    await written.catch(() => undefined);
    await expectQuotaDenied(answer.status, answer.body);
    expect((await registry.fetch(second.headers.get('location')!)).status).toBe(404);
    await eventually(async () => JSON.stringify(await staged()) === JSON.stringify(before));
    expect((await callApi(api.url, 'GET', `/projects/${project}/summary`)).json.quota.used.storage).toBe(0);
  });

  it('stores nothing for an over-quota monolithic upload of unknown length or a refused manifest push', async () => {
    const project = `refused-${storage}`;
    await createProject(project, 64 * KiB);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    expect((await registry.fetch(`/v2/${project}/app/blobs/uploads/?digest=${sha256(config)}`, { method: 'POST', body: config })).status).toBe(201);

    const big = randomBytes(MiB);
    const monolithic = streamingRequest(`${api.url}/v2/${project}/app/blobs/uploads/?digest=${sha256(big)}`, 'POST');
    const written = writeAll(monolithic.request, big).then(() => monolithic.request.end());
    const answer = await monolithic.answer;
    monolithic.request.destroy();
    await written.catch(() => undefined);
    await expectQuotaDenied(answer.status, answer.body);

    // a manifest naming a blob the project lacks, and one too big for what is left of the quota
    const descriptor = (data: Buffer, mediaType: string) => ({ mediaType, digest: sha256(data), size: data.length });
    const dangling = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: descriptor(config, 'application/vnd.oci.image.config.v1+json'),
        layers: [descriptor(big, 'application/vnd.oci.image.layer.v1.tar+gzip')],
      }),
    );
    const unknown = await registry.pushManifest(`${project}/app`, 'dangling', dangling, OCI_MANIFEST);
    expect(unknown.status).toBe(400);
    expect(await errorCode(unknown)).toBe('MANIFEST_BLOB_UNKNOWN');
    const huge = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config, 'application/vnd.oci.image.config.v1+json'), layers: [], annotations: { pad: 'x'.repeat(80 * KiB) } }),
    );
    const tooBig = await registry.pushManifest(`${project}/app`, 'huge', huge, OCI_MANIFEST);
    await expectQuotaDenied(tooBig.status, await tooBig.text());

    for (const data of [big, dangling, huge]) {
      expect(await driver.stat(blobKeyOf(data))).toBeNull();
      expect(await blobRowCount(data)).toBe(0);
    }
    await eventually(async () => (await staged()).length === 0);
  });

  it('gives a failed chunk’s bytes back: the upload stays at its last good offset and resumes at once', async () => {
    const data = randomBytes(3 * MiB + 123);
    const first = MiB;
    const started = await registry.fetch(`/v2/library/abort-${storage}/blobs/uploads/`, { method: 'POST' });
    const firstAnswer = await patch(started.headers.get('location')!, data.subarray(0, first), 0);
    expect(firstAnswer.status).toBe(202);
    const location = firstAnswer.headers.get('location')!;
    const id = sessionIdOf(location);
    const stagedBefore = await staged();

    // the client sends 2 MiB of the next chunk, then goes away
    const aborted = streamingRequest(`${api.url}${location}`, 'PATCH', { 'content-range': `${first}-${data.length - 1}`, 'content-length': String(data.length - first) });
    aborted.answer.catch(() => undefined);
    await writeAll(aborted.request, data.subarray(first, first + 2 * MiB));
    if (storage === 'filesystem') {
      // the bytes reached the staging file before the client left
      await eventually(async () => JSON.stringify(await staged()) !== JSON.stringify(stagedBefore));
    } else {
      await eventually(async () => (await db.query(`SELECT 1 FROM upload_session WHERE id = $1 AND busy_until > now()`, [id])).rowCount === 1);
    }
    aborted.request.destroy();
    await eventually(async () => (await db.query(`SELECT 1 FROM upload_session WHERE id = $1 AND busy_until IS NULL`, [id])).rowCount === 1);

    const status = await registry.fetch(location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${first - 1}`);
    expect(await staged()).toEqual(stagedBefore);

    const resumed = await patch(location, data.subarray(first), first);
    expect(resumed.status).toBe(202);
    const put = await registry.fetch(`${resumed.headers.get('location')}?digest=${sha256(data)}`, { method: 'PUT' });
    expect(put.status).toBe(201);
    const pulled = await registry.fetch(`/v2/library/abort-${storage}/blobs/${sha256(data)}`);
    expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(sha256(data));
  });

  it('lets another process resume within seconds when the process writing a chunk is killed', async () => {
    const doomed = await startApiProcess(environment.env);
    const data = randomBytes(2 * MiB);
    const started = await registry.fetch(`/v2/library/crash-${storage}/blobs/uploads/`, { method: 'POST' });
    const firstAnswer = await patch(started.headers.get('location')!, data.subarray(0, MiB), 0);
    const location = firstAnswer.headers.get('location')!;
    const id = sessionIdOf(location);
    const crashing = streamingRequest(`${doomed.url}${location}`, 'PATCH', { 'content-range': `${MiB}-${data.length - 1}`, 'content-length': String(MiB) });
    crashing.answer.catch(() => undefined);
    await writeAll(crashing.request, data.subarray(MiB, MiB + 256 * KiB));
    await eventually(async () => (await db.query(`SELECT 1 FROM upload_session WHERE id = $1 AND busy_until > now()`, [id])).rowCount === 1);
    await doomed.stop('SIGKILL');
    crashing.request.destroy();

    // today's lease would hold it for 10 minutes; a generous bound that only a dead lease outlives
    let resumed: Response | undefined;
    await eventually(async () => {
      resumed = await patch(location, data.subarray(MiB), MiB);
      return resumed.status === 202;
    }, 90_000);
    const put = await registry.fetch(`${resumed!.headers.get('location')}?digest=${sha256(data)}`, { method: 'PUT' });
    expect(put.status).toBe(201);
  }, 120_000);

  if (storage === 'filesystem') {
    it('has the worker remove old temp and staging files no session holds, and keep those one does', async () => {
      const root = environment.env.STORAGE_FS_ROOT;
      const live = await registry.fetch('/v2/library/leftovers/blobs/uploads/', { method: 'POST' });
      // larger than a first chunk the session row keeps (FIRST_CHUNK_MAX_BYTES): it is staged in a file
      const liveChunk = randomBytes(100_000);
      expect((await patch(live.headers.get('location')!, liveChunk, 0)).status).toBe(202);
      const liveFile = (await db.query<{ path: string }>(`SELECT storage_state->>'path' AS path FROM upload_session WHERE id = $1`, [sessionIdOf(live.headers.get('location')!)]))
        .rows[0].path;
      const orphans = [`_tmp/${randomUUID()}`, `_staging/${randomUUID()}`];
      const fresh = `_tmp/${randomUUID()}`;
      for (const file of [...orphans, fresh]) {
        mkdirSync(join(root, file, '..'), { recursive: true });
        writeFileSync(join(root, file), randomBytes(64 * KiB));
      }
      // a killed process left these two hours ago; the live session's staging file is as old
      const longAgo = new Date(Date.now() - 2 * 3_600_000);
      for (const file of [...orphans, liveFile]) utimesSync(join(root, file), longAgo, longAgo);

      const worker = spawnWorker(environment, { UPLOAD_PURGE_INTERVAL_MINUTES: '1', UPLOAD_PURGE_AGE_HOURS: '1' });
      try {
        await eventually(async () => orphans.every((file) => !existsSync(join(root, file))), 60_000);
      } finally {
        await worker.kill();
      }
      expect(existsSync(join(root, fresh))).toBe(true);
      expect(existsSync(join(root, liveFile))).toBe(true);
      const finished = await registry.fetch(`${live.headers.get('location')}?digest=${sha256(liveChunk)}`, { method: 'PUT' });
      expect(finished.status).toBe(201);
    }, 90_000);
  } else {
    it('aborts multipart uploads and removes tails no session holds, and keeps those one does', async () => {
      const Bucket = environment.env.S3_BUCKET;
      // a session whose chunk crossed a part boundary holds a multipart upload
      const live = await registry.fetch('/v2/library/leftovers/blobs/uploads/', { method: 'POST' });
      const liveData = randomBytes(9 * MiB);
      expect((await patch(live.headers.get('location')!, liveData, 0)).status).toBe(202);
      const orphan = await s3!.send(new CreateMultipartUploadCommand({ Bucket, Key: `docker/registry/v2/_wharf/uploads/${randomUUID()}/data` }));
      // and the tail of an append whose process died before its session recorded it
      const orphanTail = `_staging/docker/registry/v2/_wharf/uploads/${randomUUID()}/data.tail.5`;
      await s3!.send(new PutObjectCommand({ Bucket, Key: orphanTail, Body: Buffer.from('12345') }));
      const uploads = async () => ((await s3!.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).map((u) => u.UploadId);
      expect(await uploads()).toContain(orphan.UploadId);
      const stagedBefore = await staged();

      // the purge's own age test is the server's clock against ours: a cutoff just ahead counts both as old
      const removed = await api.app.get(UploadSessions).purgeLeftovers(new Date(Date.now() + 60_000));
      expect(removed).toBe(2);
      expect(stagedBefore.filter((entry) => entry.includes(orphanTail))).toHaveLength(1);
      expect((await staged()).filter((entry) => entry.includes(orphanTail))).toEqual([]);
      const left = await uploads();
      expect(left).not.toContain(orphan.UploadId);
      expect(left).toHaveLength(1);
      const finished = await registry.fetch(`${live.headers.get('location')}?digest=${sha256(liveData)}`, { method: 'PUT' });
      expect(finished.status).toBe(201);
      expect(await uploads()).toHaveLength(0);
    });
  }

  if (storage === 'filesystem') {
    it('caps open upload sessions per principal with 429 TOOMANYREQUESTS; finishing or cancelling one frees its slot', async () => {
      // the other tests' sessions do not count here
      await db.query(`DELETE FROM upload_session`);
      const open: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const started = await registry.fetch('/v2/library/capped/blobs/uploads/', { method: 'POST' });
        expect(started.status).toBe(202);
        open.push(started.headers.get('location')!);
      }
      const refused = await registry.fetch('/v2/library/capped/blobs/uploads/', { method: 'POST' });
      expect(refused.status).toBe(429);
      expect(await errorCode(refused)).toBe('TOOMANYREQUESTS');
      // a monolithic push opens no session: it still goes through
      const small = randomBytes(100);
      expect((await registry.fetch(`/v2/library/capped/blobs/uploads/?digest=${sha256(small)}`, { method: 'POST', body: small })).status).toBe(201);

      expect((await registry.fetch(open.pop()!, { method: 'DELETE' })).status).toBe(204);
      const again = await registry.fetch('/v2/library/capped/blobs/uploads/', { method: 'POST' });
      expect(again.status).toBe(202);
      expect((await registry.fetch('/v2/library/capped/blobs/uploads/', { method: 'POST' })).status).toBe(429);
      const data = randomBytes(1000);
      expect((await registry.fetch(`${again.headers.get('location')}?digest=${sha256(data)}`, { method: 'PUT', body: data })).status).toBe(201);
      expect((await registry.fetch('/v2/library/capped/blobs/uploads/', { method: 'POST' })).status).toBe(202);
      // sessions idle past the purge age no longer count, even before the worker removes them
      await db.query(`UPDATE upload_session SET update_time = now() - interval '25 hours'`);
      expect((await registry.fetch('/v2/library/capped/blobs/uploads/', { method: 'POST' })).status).toBe(202);
      // every slot is counted in Postgres, so a second api process sees the same ones
      const other = await startApiProcess(environment.env);
      try {
        const viaOther = new RegistryClient(other.url);
        for (let i = 0; i < 4; i += 1) expect((await viaOther.fetch('/v2/library/capped/blobs/uploads/', { method: 'POST' })).status).toBe(202);
        expect((await viaOther.fetch('/v2/library/capped/blobs/uploads/', { method: 'POST' })).status).toBe(429);
      } finally {
        await other.stop();
      }
      await db.query(`DELETE FROM upload_session`);
    }, 60_000);
  }
});
