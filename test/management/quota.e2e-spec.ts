import { UserService } from '@wharf/iam';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { RegistryClient, sha256 } from '../support/registry-client';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { callApi, type ApiAnswer } from '../support/management-api';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));

/** An OCI image manifest over this config and these layers (its size depends only on their count). */
function manifestOf(config: Buffer, layers: Buffer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length })),
    }),
  );
}

/**
 * The "done when": a project filled to its storage limit refuses the next push with 403
 * DENIED naming the quota, with nothing stored; deleting content gives the quota back. Usage is
 * checked against the bytes pushed and against project_blob, the ground truth.
 */
describe('storage quota through /v2', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let registry: RegistryClient;

  const call = (method: string, path: string, body?: unknown, auth: Credentials | null = TEST_ADMIN): Promise<ApiAnswer> => callApi(api.url, method, path, { body, auth });

  async function createProject(name: string, storageLimit?: number, auth: Credentials = TEST_ADMIN): Promise<number> {
    const answer = await call('POST', '/projects', { project_name: name, ...(storageLimit === undefined ? {} : { storage_limit: storageLimit }) }, auth);
    expect(answer.status).toBe(201);
    return (await call('GET', `/projects/${name}`)).json.project_id;
  }

  async function quota(project: string): Promise<{ hard: number; used: number }> {
    const summary = await call('GET', `/projects/${project}/summary`);
    expect(summary.status).toBe(200);
    return { hard: summary.json.quota.hard.storage, used: summary.json.quota.used.storage };
  }

  /** What project_blob says the project holds: usage must always equal it. */
  async function linkedBytes(project: string): Promise<number> {
    const rows = await db.query<{ n: string }>(
      `SELECT COALESCE(sum(b.size), 0) AS n FROM project_blob pb JOIN blob b ON b.id = pb.blob_id JOIN project p ON p.project_id = pb.project_id WHERE p.name = $1`,
      [project],
    );
    return Number(rows.rows[0].n);
  }

  async function expectUsed(project: string, bytes: number): Promise<void> {
    expect((await quota(project)).used).toBe(bytes);
    expect(await linkedBytes(project)).toBe(bytes);
  }

  /** Bytes in the storage root (blobs, staging, temp files): a refused push must not add any. */
  function storedBytes(dir = environment.env.STORAGE_FS_ROOT): number {
    if (!existsSync(dir)) return 0;
    let total = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      total += entry.isDirectory() ? storedBytes(path) : statSync(path).size;
    }
    return total;
  }

  const blobPath = (data: Buffer) => join(environment.env.STORAGE_FS_ROOT, 'docker/registry/v2/blobs/sha256', sha256(data).slice(7, 9), sha256(data).slice(7), 'data');

  async function blobRows(data: Buffer): Promise<{ any: number; inProject: (project: string) => Promise<number> }> {
    const digest = sha256(data);
    const any = (await db.query('SELECT 1 FROM blob WHERE digest = $1', [digest])).rowCount ?? 0;
    return {
      any,
      inProject: async (project) =>
        (await db.query('SELECT 1 FROM project_blob pb JOIN blob b ON b.id = pb.blob_id JOIN project p ON p.project_id = pb.project_id WHERE b.digest = $1 AND p.name = $2', [digest, project]))
          .rowCount ?? 0,
    };
  }

  async function pushBlob(repository: string, data: Buffer, client = registry): Promise<Response> {
    return client.fetch(`/v2/${repository}/blobs/uploads/?digest=${sha256(data)}`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } });
  }

  async function pushManifest(repository: string, reference: string, manifest: Buffer, client = registry): Promise<Response> {
    return client.pushManifest(repository, reference, manifest, OCI_MANIFEST);
  }

  /** POST, one PATCH per chunk, then PUT ?digest= (as docker pushes). Returns every status and the final answer. */
  async function pushChunked(repository: string, chunks: Buffer[]): Promise<{ statuses: number[]; final: Response }> {
    const statuses: number[] = [];
    const started = await registry.fetch(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    statuses.push(started.status);
    let location = started.headers.get('location')!;
    let offset = 0;
    for (const chunk of chunks) {
      const patched = await registry.fetch(location, {
        method: 'PATCH',
        body: chunk,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
      });
      statuses.push(patched.status);
      location = patched.headers.get('location') ?? location;
      offset += chunk.length;
    }
    const digest = sha256(Buffer.concat(chunks));
    const final = await registry.fetch(`${location}${location.includes('?') ? '&' : '?'}digest=${digest}`, { method: 'PUT' });
    statuses.push(final.status);
    return { statuses, final };
  }

  async function expectQuotaDenied(response: Response): Promise<void> {
    expect(response.status).toBe(403);
    const body = (await response.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0].code).toBe('DENIED');
    expect(body.errors[0].message).toMatch(/quota/);
  }

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    registry = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  it('fills a project to its limit, refuses the next push with nothing stored, and gives the quota back on delete', async () => {
    const layerSize = 4000;
    const manifestSize = manifestOf(CONFIG, [randomBytes(layerSize)]).length;
    const image = layerSize + manifestSize;
    // room for the config and three images, then 2000 bytes: too few for a fourth layer
    const limit = CONFIG.length + 3 * image + 2000;
    await createProject('full', limit);
    expect(await quota('full')).toEqual({ hard: limit, used: 0 });

    const pushed: { layer: Buffer; digest: string }[] = [];
    let refused: { layer: Buffer; response: Response; usedBefore: number; storedBefore: number } | undefined;
    expect((await pushBlob('full/app', CONFIG)).status).toBe(201);
    while (!refused) {
      const layer = randomBytes(layerSize);
      const usedBefore = (await quota('full')).used;
      const storedBefore = storedBytes();
      const response = await pushBlob('full/app', layer);
      if (response.status !== 201) {
        refused = { layer, response, usedBefore, storedBefore };
        break;
      }
      const manifest = manifestOf(CONFIG, [layer]);
      expect((await pushManifest('full/app', `v${pushed.length + 1}`, manifest)).status).toBe(201);
      pushed.push({ layer, digest: sha256(manifest) });
      expect(pushed.length).toBeLessThan(10);
    }
    expect(pushed).toHaveLength(3);
    const full = CONFIG.length + 3 * image;
    expect(refused.usedBefore).toBe(full);
    await expectUsed('full', full);

    // refused with 403 DENIED naming the quota...
    await expectQuotaDenied(refused.response);
    // ...and nothing of it kept: usage, storage, the blob's rows, the registry's answers
    await expectUsed('full', full);
    expect(storedBytes()).toBe(refused.storedBefore);
    expect(existsSync(blobPath(refused.layer))).toBe(false);
    const rows = await blobRows(refused.layer);
    expect(rows.any).toBe(0);
    expect(await rows.inProject('full')).toBe(0);
    expect((await registry.fetch(`/v2/full/app/blobs/${sha256(refused.layer)}`, { method: 'HEAD' })).status).toBe(404);
    const dangling = await pushManifest('full/app', 'v4', manifestOf(CONFIG, [refused.layer]));
    expect(dangling.status).toBe(400);
    expect(((await dangling.json()) as any).errors[0].code).toBe('MANIFEST_BLOB_UNKNOWN');

    // deleting an image gives its layer and manifest back; the config stays (the other images use it)
    const deleted = await registry.fetch(`/v2/full/app/manifests/${pushed[0].digest}`, { method: 'DELETE' });
    expect(deleted.status).toBe(202);
    await expectUsed('full', full - image);
    expect((await registry.fetch(`/v2/full/app/blobs/${sha256(pushed[0].layer)}`, { method: 'HEAD' })).status).toBe(404);

    // and the refused push fits now
    expect((await pushBlob('full/app', refused.layer)).status).toBe(201);
    expect((await pushManifest('full/app', 'v4', manifestOf(CONFIG, [refused.layer]))).status).toBe(201);
    await expectUsed('full', full);
    expect((await registry.fetch('/v2/full/app/manifests/v4', { method: 'HEAD' })).status).toBe(200);
  });

  it('keeps usage exact: distinct blobs and manifests counted once, re-pushes and same-project mounts free', async () => {
    await createProject('exact');
    const [l1, l2, l3] = [randomBytes(3000), randomBytes(5000), randomBytes(1000)];
    for (const blob of [CONFIG, l1, l2]) expect((await pushBlob('exact/app', blob)).status).toBe(201);
    const m1 = manifestOf(CONFIG, [l1, l2]);
    expect((await pushManifest('exact/app', 'v1', m1)).status).toBe(201);
    let used = CONFIG.length + 3000 + 5000 + m1.length;
    await expectUsed('exact', used);

    // the same blob again, monolithic and chunked; the same manifest under another tag
    expect((await pushBlob('exact/app', l1)).status).toBe(201);
    expect((await pushChunked('exact/app', [l1.subarray(0, 1000), l1.subarray(1000)])).statuses).toEqual([202, 202, 202, 201]);
    expect((await pushManifest('exact/app', 'again', m1)).status).toBe(201);
    await expectUsed('exact', used);

    // another repository of the project: a mount and the config cost nothing, the new layer and manifest do
    const mounted = await registry.fetch(`/v2/exact/other/blobs/uploads/?mount=${sha256(l2)}&from=exact/app`, { method: 'POST' });
    expect(mounted.status).toBe(201);
    expect((await pushBlob('exact/other', CONFIG)).status).toBe(201);
    await expectUsed('exact', used);
    expect((await pushBlob('exact/other', l3)).status).toBe(201);
    const m2 = manifestOf(CONFIG, [l2, l3]);
    expect((await pushManifest('exact/other', 'v1', m2)).status).toBe(201);
    // the first image in the second repository as well: all its blobs are held already
    expect((await pushManifest('exact/other', 'copy', m1)).status).toBe(201);
    used += 1000 + m2.length;
    await expectUsed('exact', used);

    // deleting m1 from one repository frees nothing while the other still holds it...
    expect((await registry.fetch(`/v2/exact/app/manifests/${sha256(m1)}`, { method: 'DELETE' })).status).toBe(202);
    await expectUsed('exact', used);
    // ...deleting the last copy frees what only it used: l1 and its own bytes (config and l2 are m2's too)
    expect((await registry.fetch(`/v2/exact/other/manifests/${sha256(m1)}`, { method: 'DELETE' })).status).toBe(202);
    used -= 3000 + m1.length;
    await expectUsed('exact', used);
    expect((await registry.fetch(`/v2/exact/other/manifests/${sha256(m2)}`, { method: 'DELETE' })).status).toBe(202);
    await expectUsed('exact', 0);
  });

  // BUG (libs/registry-core BlobStore.mount): a mount from another project links the blob without
  // charging it or checking the limit; see the report. Flip to `it` once mount charges the quota.
  it('charges a blob mounted from another project to the target project, and refuses it beyond the limit', async () => {
    await createProject('source');
    const layer = randomBytes(4000);
    expect((await pushBlob('source/app', layer)).status).toBe(201);
    await createProject('mounted', 3000);
    const beyond = await registry.fetch(`/v2/mounted/app/blobs/uploads/?mount=${sha256(layer)}&from=source/app`, { method: 'POST' });
    expect(beyond.status).not.toBe(201);
    await expectUsed('mounted', 0);
    await createProject('mounted2');
    const mounted = await registry.fetch(`/v2/mounted2/app/blobs/uploads/?mount=${sha256(layer)}&from=source/app`, { method: 'POST' });
    expect(mounted.status).toBe(201);
    await expectUsed('mounted2', 4000);
  });

  it('refuses a manifest that does not fit, keeping no artifact, tag or repository', async () => {
    const layer = randomBytes(2000);
    const manifest = manifestOf(CONFIG, [layer]);
    await createProject('tight', CONFIG.length + layer.length + manifest.length - 1);
    expect((await pushBlob('tight/app', CONFIG)).status).toBe(201);
    expect((await pushBlob('tight/app', layer)).status).toBe(201);
    await expectQuotaDenied(await pushManifest('tight/app', 'v1', manifest));
    await expectUsed('tight', CONFIG.length + layer.length);
    expect((await registry.fetch('/v2/tight/app/manifests/v1', { method: 'HEAD' })).status).toBe(404);
    expect((await db.query(`SELECT 1 FROM artifact a JOIN project p ON p.project_id = a.project_id WHERE p.name = 'tight'`)).rowCount).toBe(0);
    expect((await db.query(`SELECT 1 FROM repository WHERE name = 'tight/app'`)).rowCount).toBe(0);
    expect(await (await blobRows(manifest)).inProject('tight')).toBe(0);
    expect((await call('GET', '/projects/tight/summary')).json.repo_count).toBe(0);
    // a system admin raises the limit by one byte: now it fits exactly
    expect((await call('PUT', '/projects/tight', { storage_limit: CONFIG.length + layer.length + manifest.length })).status).toBe(200);
    expect((await pushManifest('tight/app', 'v1', manifest)).status).toBe(201);
    await expectUsed('tight', CONFIG.length + layer.length + manifest.length);
  });

  it('refuses chunked uploads (POST, PATCH..., PUT) and POST-then-PUT uploads beyond the limit, keeping nothing', async () => {
    await createProject('chunky', 5000);
    expect((await pushBlob('chunky/app', randomBytes(4000))).status).toBe(201);
    const storedBefore = storedBytes();

    // the chunk that passes the limit is refused as it arrives and ends its upload: the PUT finds none
    const big = randomBytes(3000);
    const chunked = await pushChunked('chunky/app', [big.subarray(0, 500), big.subarray(500)]);
    expect(chunked.statuses).toEqual([202, 202, 403, 404]);

    // the whole blob in the PUT that closes an empty upload
    const other = randomBytes(1001);
    const started = await registry.fetch('/v2/chunky/app/blobs/uploads/', { method: 'POST' });
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    const put = await registry.fetch(`${location}${location.includes('?') ? '&' : '?'}digest=${sha256(other)}`, {
      method: 'PUT',
      body: other,
      headers: { 'content-type': 'application/octet-stream' },
    });
    await expectQuotaDenied(put);

    await expectUsed('chunky', 4000);
    expect(storedBytes()).toBe(storedBefore);
    for (const data of [big, other]) {
      expect(existsSync(blobPath(data))).toBe(false);
      expect(await (await blobRows(data)).inProject('chunky')).toBe(0);
      expect((await registry.fetch(`/v2/chunky/app/blobs/${sha256(data)}`, { method: 'HEAD' })).status).toBe(404);
    }

    // what still fits goes through the same way
    const small = randomBytes(1000);
    expect((await pushChunked('chunky/app', [small.subarray(0, 400), small.subarray(400)])).statuses).toEqual([202, 202, 202, 201]);
    await expectUsed('chunky', 5000);
  });

  it('never lets concurrent pushes overshoot the limit', async () => {
    await createProject('race', 10_000);
    const blobs = Array.from({ length: 6 }, () => randomBytes(4000));
    const statuses = await Promise.all(blobs.map(async (blob) => (await pushBlob('race/app', blob)).status));
    expect(statuses.filter((s) => s === 201)).toHaveLength(2);
    expect(statuses.filter((s) => s === 403)).toHaveLength(4);
    await expectUsed('race', 8000);
  });

  it('gives new projects the default quota of /configurations; existing ones keep theirs', async () => {
    const user = await api.app.get(UserService).create({ username: 'quota-user', password: 'Pass-quota-1A' });
    const credentials = { username: user.username, password: 'Pass-quota-1A' };
    expect((await call('PUT', '/configurations', { storage_per_project: 6000 })).status).toBe(200);
    await createProject('defaulted', undefined, credentials);
    expect(await quota('defaulted')).toEqual({ hard: 6000, used: 0 });
    expect((await quota('exact')).hard).toBe(-1);

    // the creator (projectAdmin) pushes up to the default limit, and no further
    const own = new RegistryClient(api.url, credentials);
    expect((await pushBlob('defaulted/app', randomBytes(4000), own)).status).toBe(201);
    await expectQuotaDenied(await pushBlob('defaulted/app', randomBytes(2001), own));
    expect((await pushBlob('defaulted/app', randomBytes(2000), own)).status).toBe(201);
    await expectUsed('defaulted', 6000);

    expect((await call('PUT', '/configurations', { storage_per_project: -1 })).status).toBe(200);
    await createProject('unlimited', undefined, credentials);
    expect((await quota('unlimited')).hard).toBe(-1);
    expect((await quota('defaulted')).hard).toBe(6000);
  });
});
