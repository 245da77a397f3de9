import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { callApi, errorCodeOf } from '../support/management-api';
import { buildMultiArchLayout, rawManifestDigest, skopeo, toolAvailable } from '../support/oci-layout';
import { RegistryClient, sha256 } from '../support/registry-client';
import { TEST_ADMIN } from '../support/test-credentials';
import { startWorker } from '../support/worker-context';
import { JobName, JobQueues } from '@wharf/jobs';
import { pushTestImage, startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { eventually } from '../support/eventually';
import { connectDatabase, createProxyProject } from './proxy-support';

const haveTools = toolAvailable('skopeo') && toolAvailable('umoci') && toolAvailable('docker-registry');
if (!haveTools && process.env.CI) throw new Error('skopeo, umoci and docker-registry are required in CI');

const MANIFEST_PATH = /\/manifests\//;
const BLOB_PATH = /\/blobs\/sha256:/;

/**
 * Proxy-cache projects against a real upstream: Debian's CNCF registry (`docker-registry`),
 * pulled through Wharf with skopeo and plain HTTP, counting what reaches the upstream from its
 * access log.
 */
(haveTools ? describe : describe.skip)('proxy cache against the CNCF registry', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let upstream: UpstreamRegistryProcess;
  let pusher: RegistryClient;
  let wharf: RegistryClient;
  let db: Client;
  let work: string;
  const srcCreds = ['--src-tls-verify=false', '--src-creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`];
  const inspectCreds = ['--tls-verify=false', '--creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`];

  const upstreamRequests = async (filter: (r: { method: string; path: string }) => boolean = () => true) => {
    return (await upstream.settledRequests()).filter(filter);
  };

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { PROXY_UPSTREAM_TIMEOUT_SECONDS: '3' });
    api = await startApi(environment);
    upstream = await startUpstreamRegistry();
    pusher = new RegistryClient(upstream.url, null);
    wharf = new RegistryClient(api.url);
    db = await connectDatabase(environment);
    work = mkdtempSync(join(tmpdir(), 'wharf-proxy-'));
    await createProxyProject(api, 'hub', upstream.url);
  });

  afterAll(async () => {
    await db?.end();
    await upstream?.stop();
    await api?.close();
    await environment?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('pulls by tag cold (one HEAD, one GET of the manifest, one GET per blob) and warm (the HEAD alone)', async () => {
    const pushed = await pushTestImage(upstream.url, 'library/app', 'v1', null, { layers: 3, layerSize: 300_000 });
    await upstream.clearRequests();

    await skopeo(['copy', ...srcCreds, `docker://${api.url.replace('http://', '')}/hub/library/app:v1`, `dir:${join(work, 'cold')}`]);
    expect(await rawManifestDigest(`dir:${join(work, 'cold')}`)).toBe(pushed.digest);
    const cold = await upstreamRequests();
    expect(cold.filter((r) => r.method === 'HEAD' && MANIFEST_PATH.test(r.path))).toHaveLength(1);
    expect(cold.filter((r) => r.method === 'GET' && MANIFEST_PATH.test(r.path))).toHaveLength(1);
    const blobGets = cold.filter((r) => r.method === 'GET' && BLOB_PATH.test(r.path)).map((r) => r.path);
    expect(blobGets.sort()).toEqual([...new Set(blobGets)].sort());
    expect(blobGets).toHaveLength(4); // config + 3 layers

    await upstream.clearRequests();
    await skopeo(['copy', ...srcCreds, `docker://${api.url.replace('http://', '')}/hub/library/app:v1`, `dir:${join(work, 'warm')}`]);
    const warm = await upstreamRequests();
    expect(warm.map((r) => `${r.method} ${r.path}`)).toEqual([`HEAD /v2/library/app/manifests/v1`]);
    expect(await rawManifestDigest(`dir:${join(work, 'warm')}`)).toBe(pushed.digest);
  });

  it('fetches again when the upstream moves the tag, and records tags seen through HEAD', async () => {
    const first = await pushTestImage(upstream.url, 'library/moving', 'latest', null, { layers: 1 });
    expect((await wharf.fetch('/v2/hub/library/moving/manifests/latest', { method: 'HEAD' })).headers.get('docker-content-digest')).toBe(first.digest);
    // a HEAD alone stored the manifest under its tag
    const tagged = await callApi(api.url, 'GET', `/projects/hub/repositories/${encodeURIComponent(encodeURIComponent('library/moving'))}/artifacts/latest`);
    expect(tagged.status).toBe(200);
    expect(tagged.json.digest).toBe(first.digest);

    const second = await pushTestImage(upstream.url, 'library/moving', 'latest', null, { layers: 1 });
    const pulled = await wharf.fetch('/v2/hub/library/moving/manifests/latest', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(pulled.status).toBe(200);
    expect(pulled.headers.get('docker-content-digest')).toBe(second.digest);
    expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(second.digest);
    // the earlier content is still cached by digest
    expect((await wharf.fetch(`/v2/hub/library/moving/manifests/${first.digest}`, { method: 'HEAD' })).status).toBe(200);
  });

  it('serves a multi-arch index whole, with the upstream digest, and its children as they are asked for', async () => {
    const layout = join(work, 'multi');
    const indexDigest = buildMultiArchLayout(layout, 'multi');
    await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `docker://${upstream.url.replace('http://', '')}/library/multi:1.0`]);
    await skopeo(['copy', '--all', ...srcCreds, `docker://${api.url.replace('http://', '')}/hub/library/multi:1.0`, `oci:${join(work, 'multi-copy')}:x`]);
    expect(await rawManifestDigest(`docker://${api.url.replace('http://', '')}/hub/library/multi:1.0`, inspectCreds)).toBe(indexDigest);
    const artifact = await callApi(api.url, 'GET', `/projects/hub/repositories/${encodeURIComponent(encodeURIComponent('library/multi'))}/artifacts/1.0`);
    expect(artifact.status).toBe(200);
    expect(artifact.json.references.map((r: { platform: { architecture: string } }) => r.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
  });

  // (one shared HEAD for concurrent tag requests is proven with a slow upstream in proxy-cache-failures: against this
  // fast one a request may arrive after the check finished, and then rightly checks again)
  it('fetches a manifest and a blob once for concurrent pulls across api replicas', async () => {
    // a second api (its own Nest application, sharing Postgres, Redis and storage) stands for another replica
    const replica = await startApi(environment);
    try {
      const clients = [wharf, new RegistryClient(replica.url)];
      const image = await pushTestImage(upstream.url, 'library/busy', 'v1', null, { layers: 1, layerSize: 2_000_000 });
      await upstream.clearRequests();
      const heads = await Promise.all(Array.from({ length: 20 }, (_, i) => clients[i % 2].fetch('/v2/hub/library/busy/manifests/v1', { method: 'HEAD' })));
      expect(heads.map((r) => r.status)).toEqual(Array(20).fill(200));
      const layer = image.layers[0].digest;
      const pulls = await Promise.all(Array.from({ length: 20 }, (_, i) => clients[i % 2].fetch(`/v2/hub/library/busy/blobs/${layer}`)));
      const bodies = await Promise.all(pulls.map(async (r) => ({ status: r.status, digest: sha256(Buffer.from(await r.arrayBuffer())) })));
      expect(bodies).toEqual(Array(20).fill({ status: 200, digest: layer }));
      const seen = await upstreamRequests();
      expect(seen.filter((r) => r.method === 'GET' && MANIFEST_PATH.test(r.path))).toHaveLength(1);
      expect(seen.filter((r) => r.method === 'GET' && r.path.endsWith(layer))).toHaveLength(1);
    } finally {
      await replica.close();
    }
  });

  it('refuses pushes and deletes with 403 DENIED', async () => {
    const push = await wharf.fetch(`/v2/hub/library/app/blobs/uploads/`, { method: 'POST' });
    expect(push.status).toBe(403);
    expect(await push.text()).toMatch(/proxy cache/);
    const manifest = await wharf.pushManifest('hub/library/app', 'mine', { schemaVersion: 2 }, 'application/vnd.oci.image.manifest.v1+json');
    expect(manifest.status).toBe(403);
    expect((await wharf.fetch('/v2/hub/library/app/manifests/v1', { method: 'DELETE' })).status).toBe(403);
  });

  it('serves a layer another project also stores after one upstream HEAD (no transfer), and no blob the upstream lacks', async () => {
    const image = await pushTestImage(upstream.url, 'library/shared', 'v1', null, { layers: 1 });
    const layer = image.layers[0].digest;
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'private-copy', metadata: { public: 'false' } } })).status).toBe(201);
    await wharf.pushBlob('private-copy/base', image.blobs.get(layer)!);
    const secret = await wharf.pushBlob('private-copy/base', Buffer.from('private bytes the upstream never had'));
    await upstream.clearRequests();

    const pulled = await wharf.fetch(`/v2/hub/library/shared/blobs/${layer}`);
    expect(pulled.status).toBe(200);
    expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(layer);
    expect((await upstreamRequests((r) => r.path.endsWith(layer))).map((r) => r.method)).toEqual(['HEAD']);
    const refused = await wharf.fetch(`/v2/hub/library/shared/blobs/${secret.digest}`);
    expect(refused.status).toBe(404);
    expect(await refused.text()).toMatch(/BLOB_UNKNOWN/);
  });

  it('lists the upstream tags merged with the cached ones', async () => {
    await pushTestImage(upstream.url, 'library/listed', 'a', null, { layers: 1 });
    await pushTestImage(upstream.url, 'library/listed', 'b', null, { layers: 1 });
    await wharf.fetch('/v2/hub/library/listed/manifests/a', { method: 'HEAD' });
    const listed = await wharf.fetch('/v2/hub/library/listed/tags/list');
    expect(((await listed.json()) as { tags: string[] }).tags).toEqual(['a', 'b']);
    const page = await wharf.fetch('/v2/hub/library/listed/tags/list?n=1');
    expect(((await page.json()) as { tags: string[] }).tags).toEqual(['a']);
    expect(page.headers.get('link')).toContain('last=a');
  });

  it('tracks pull time and pull count of cached content', async () => {
    await pushTestImage(upstream.url, 'library/counted', 'v1', null, { layers: 1 });
    for (let i = 0; i < 3; i += 1) await wharf.fetch('/v2/hub/library/counted/manifests/v1');
    await eventually(async () => {
      const { rows } = await db.query(`SELECT r.pull_count, a.pull_time FROM repository r JOIN artifact a ON a.repository_id = r.repository_id WHERE r.name = 'hub/library/counted'`);
      return Number(rows[0]?.pull_count) === 3 && rows[0]?.pull_time !== null;
    });
  });

  it('keeps serving what it has when the upstream is down, and says so for what it has not', async () => {
    const image = await pushTestImage(upstream.url, 'library/offline', 'v1', null, { layers: 2 });
    await skopeo(['copy', ...srcCreds, `docker://${api.url.replace('http://', '')}/hub/library/offline:v1`, `dir:${join(work, 'before')}`]);
    await pushTestImage(upstream.url, 'library/offline', 'uncached', null, { layers: 1 });
    await upstream.kill();
    try {
      await skopeo(['copy', ...srcCreds, `docker://${api.url.replace('http://', '')}/hub/library/offline:v1`, `dir:${join(work, 'offline')}`]);
      expect(await rawManifestDigest(`dir:${join(work, 'offline')}`)).toBe(image.digest);
      const tags = await wharf.fetch('/v2/hub/library/offline/tags/list');
      expect(((await tags.json()) as { tags: string[] }).tags).toEqual(['v1']);
      const missing = await wharf.fetch('/v2/hub/library/offline/manifests/uncached');
      expect(missing.status).toBe(503);
      expect(await missing.text()).toMatch(/unavailable/);
    } finally {
      await upstream.restart();
    }
  });

  it('keeps the local copy of a tag the upstream lost, unless the project says otherwise', async () => {
    const image = await pushTestImage(upstream.url, 'library/gone', 'v1', null, { layers: 1 });
    expect((await wharf.fetch('/v2/hub/library/gone/manifests/v1')).status).toBe(200);
    expect((await pusher.fetch(`/v2/library/gone/manifests/${image.digest}`, { method: 'DELETE' })).status).toBe(202);
    const kept = await wharf.fetch('/v2/hub/library/gone/manifests/v1');
    expect(kept.status).toBe(200);
    expect(kept.headers.get('docker-content-digest')).toBe(image.digest);

    expect((await callApi(api.url, 'PUT', '/projects/hub/metadatas/proxy_keep_on_upstream_404', { body: { proxy_keep_on_upstream_404: 'false' } })).status).toBe(200);
    try {
      // the project's settings are re-read within a few seconds
      await eventually(async () => (await wharf.fetch('/v2/hub/library/gone/manifests/v1', { method: 'HEAD' })).status === 404, 10_000);
    } finally {
      await callApi(api.url, 'PUT', '/projects/hub/metadatas/proxy_keep_on_upstream_404', { body: { proxy_keep_on_upstream_404: 'true' } });
    }
  });

  it('skips the upstream check within the freshness window', async () => {
    await createProxyProject(api, 'fresh', upstream.url, { metadata: { proxy_freshness_seconds: '300' } });
    await pushTestImage(upstream.url, 'library/hot', 'v1', null, { layers: 1 });
    expect((await wharf.fetch('/v2/fresh/library/hot/manifests/v1')).status).toBe(200);
    await upstream.clearRequests();
    for (let i = 0; i < 3; i += 1) expect((await wharf.fetch('/v2/fresh/library/hot/manifests/v1')).status).toBe(200);
    expect(await upstreamRequests()).toEqual([]);
  });

  it('answers 404 for what neither it nor the upstream has, and a clear 403 to pushes by other roles', async () => {
    const missing = await wharf.fetch('/v2/hub/library/nothing/manifests/v1');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/MANIFEST_UNKNOWN/);
    const blob = await wharf.fetch(`/v2/hub/library/nothing/blobs/sha256:${'0'.repeat(64)}`);
    expect(blob.status).toBe(404);
    const created = await callApi(api.url, 'POST', '/projects', { body: { project_name: 'notproxy', registry_id: 999999 } });
    expect(created.status).toBe(400);
    expect(errorCodeOf(created)).toBe('BAD_REQUEST');
  });

  it('removes cached artifacts nobody pulled within the retention (a worker job), keeping the rest', async () => {
    await pushTestImage(upstream.url, 'library/stale', 'v1', null, { layers: 1 });
    await pushTestImage(upstream.url, 'library/used', 'v1', null, { layers: 1 });
    expect((await wharf.fetch('/v2/hub/library/stale/manifests/v1')).status).toBe(200);
    expect((await wharf.fetch('/v2/hub/library/used/manifests/v1')).status).toBe(200);
    // pull times are written in batches: wait for them before back-dating one
    await eventually(async () => (await db.query(`SELECT 1 FROM artifact WHERE repository_name = 'hub/library/stale' AND pull_time IS NOT NULL`)).rowCount === 1);
    await db.query(`UPDATE artifact SET pull_time = now() - interval '8 days', push_time = now() - interval '8 days' WHERE repository_name = 'hub/library/stale'`);
    const worker = await startWorker(environment);
    try {
      await worker.get(JobQueues).enqueue({ name: JobName.ExpireProxyCache, data: {} });
      await eventually(async () => (await db.query(`SELECT 1 FROM artifact WHERE repository_name = 'hub/library/stale'`)).rowCount === 0, 30_000);
    } finally {
      await worker.close();
    }
    expect((await db.query(`SELECT 1 FROM artifact WHERE repository_name = 'hub/library/used'`)).rowCount).toBe(1);
    // the expiry is a run of the retention engine: an execution with a task per repository, its log a table
    const runs = await db.query<{ line: string }>(
      `SELECT l.line FROM execution e JOIN task t ON t.execution_id = e.id JOIN task_log l ON l.task_id = t.id
        WHERE e.vendor_type = 'RETENTION' AND e.trigger = 'SCHEDULE' AND e.vendor_id IS NULL ORDER BY l.id`,
    );
    expect(runs.rows.some((r) => /\| hub\/library\/stale +\| v1 +\| sha256:[0-9a-f]{64} \| DELETE +\|/.test(r.line))).toBe(true);
    expect(runs.rows.some((r) => /\| hub\/library\/used +\| v1 +\| sha256:[0-9a-f]{64} \| RETAIN +\|/.test(r.line))).toBe(true);
    const events = await db.query(`SELECT 1 FROM event_outbox WHERE event_type = 'DELETE_ARTIFACT' AND payload->>'repository' = 'hub/library/stale' AND payload->>'operator' = 'proxy-cache-retention'`);
    expect(events.rowCount).toBeGreaterThan(0);
    // and the next pull simply caches it again
    expect((await wharf.fetch('/v2/hub/library/stale/manifests/v1')).status).toBe(200);
  });
});
