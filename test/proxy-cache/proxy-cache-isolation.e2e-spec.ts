import { MemberService, ProjectRole, UserService } from '@wharf/iam';
import { ProjectService } from '@wharf/projects';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { callApi } from '../support/management-api';
import { RegistryClient, errorCode, sha256 } from '../support/registry-client';
import { startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import type { Credentials } from '../support/test-credentials';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type StorageKind, type TestEnvironment } from '../support/wharf-app';
import { eventually } from '../support/eventually';
import { connectDatabase, createProxyProject } from './proxy-support';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * A proxy-cache project serves a blob only when it holds it or its upstream vouches for it:
 * knowing the digest of a blob stored for another (private) project must not be enough to read
 * it through a public proxy, nor to get it linked there and mounted elsewhere. On both storage
 * drivers, with an upstream that has exactly what the test gives it.
 */
describe.each<StorageKind>(s3Available() ? ['filesystem', 's3'] : ['filesystem'])('proxy cache: what other projects store stays theirs (%s)', (storage) => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let upstream: ScriptedUpstream;
  let admin: RegistryClient;
  let db: Client;
  const developer: Credentials = { username: 'dana', password: 'Dana-Pass-1A' };

  /** Pull access as an anonymous docker client gets it: a token for the scope, no credentials. */
  async function anonymous(repository: string): Promise<RegistryClient & { get(path: string, init?: RequestInit): Promise<Response> }> {
    const answer = await fetch(`${api.url}/service/token?service=wharf-registry&scope=repository:${repository}:pull`);
    expect(answer.status).toBe(200);
    const { token } = (await answer.json()) as { token: string };
    const client = new RegistryClient(api.url, null);
    return Object.assign(client, {
      get: (path: string, init: RequestInit = {}) => client.fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } }),
    });
  }

  /** Whether project_blob links the blob to the project. */
  const linked = async (project: string, digest: string): Promise<boolean> =>
    (await db.query(`SELECT 1 FROM project_blob pb JOIN blob b ON b.id = pb.blob_id JOIN project p ON p.project_id = pb.project_id WHERE p.name = $1 AND b.digest = $2`, [project, digest]))
      .rowCount === 1;

  const upstreamAsked = (digest: string) => upstream.requests.filter((r) => r.path.endsWith(digest)).map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    environment = await createTestEnvironment(storage, { PROXY_UPSTREAM_TIMEOUT_SECONDS: '2' });
    api = await startApi(environment);
    upstream = await startScriptedUpstream();
    admin = new RegistryClient(api.url);
    db = await connectDatabase(environment);
    await createProxyProject(api, 'mirror', upstream.url, { metadata: { public: 'true' } });
    for (const project of ['secret', 'dest']) expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: project, metadata: { public: 'false' } } })).status).toBe(201);
    await api.app.get(UserService).create(developer);
    const dest = (await api.app.get(ProjectService).get('dest', true))!;
    const user = (await api.app.get(UserService).findByName(developer.username))!;
    await api.app.get(MemberService).add(dest.project_id, user.user_id, ProjectRole.Developer);
  });

  afterAll(async () => {
    await db?.end();
    await upstream?.close();
    await api?.close();
    await environment?.close();
  });

  it('answers 404 for a private blob asked for by digest (GET, HEAD, Range), links nothing, and lets nobody mount it from there', async () => {
    const secret = await admin.pushBlob('secret/keys', randomBytes(4096));
    const mirror = await anonymous('mirror/anything');

    const get = await mirror.get(`/v2/mirror/anything/blobs/${secret.digest}`);
    expect(get.status).toBe(404);
    expect(await errorCode(get)).toBe('BLOB_UNKNOWN');
    const head = await mirror.get(`/v2/mirror/anything/blobs/${secret.digest}`, { method: 'HEAD' });
    expect(head.status).toBe(404);
    const ranged = await mirror.get(`/v2/mirror/anything/blobs/${secret.digest}`, { headers: { range: 'bytes=0-15' } });
    expect(ranged.status).toBe(404);
    await ranged.arrayBuffer();
    expect(await linked('mirror', secret.digest)).toBe(false);
    // the upstream was asked, and said no
    expect(upstreamAsked(secret.digest)).toContain(`HEAD /v2/anything/blobs/${secret.digest}`);

    // a developer of another project (who may pull the public proxy) cannot mount it from there either
    const mount = await new RegistryClient(api.url, developer).fetch(`/v2/dest/loot/blobs/uploads/?mount=${secret.digest}&from=mirror/anything`, { method: 'POST' });
    expect(mount.status).toBe(202); // an upload session instead of a mount, as the spec says
    expect(await linked('dest', secret.digest)).toBe(false);
  });

  it('does not serve a private manifest by digest, as a manifest or as a blob', async () => {
    const image = await admin.pushImage('secret/app', 'v1', { layers: 1 });
    const mirror = await anonymous('mirror/app');
    const manifest = await mirror.get(`/v2/mirror/app/manifests/${image.digest}`, { headers: { accept: OCI_MANIFEST } });
    expect(manifest.status).toBe(404);
    expect(await errorCode(manifest)).toBe('MANIFEST_UNKNOWN');
    const asBlob = await mirror.get(`/v2/mirror/app/blobs/${image.digest}`);
    expect(asBlob.status).toBe(404);
    await asBlob.arrayBuffer();
    expect(await linked('mirror', image.digest)).toBe(false);
  });

  it('links a blob another project stores once the upstream confirms it has it there: one HEAD, no transfer', async () => {
    const bytes = randomBytes(64 * 1024);
    const shared = await admin.pushBlob('secret/base', bytes);
    upstream.setBlob('library/base', shared.digest, { kind: 'serve', bytes });
    const mirror = await anonymous('mirror/library/base');

    const pulled = await mirror.get(`/v2/mirror/library/base/blobs/${shared.digest}`);
    expect(pulled.status).toBe(200);
    expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(shared.digest);
    expect(upstreamAsked(shared.digest)).toEqual([`HEAD /v2/library/base/blobs/${shared.digest}`]);
    expect(await linked('mirror', shared.digest)).toBe(true);
    // held now: served without asking again, and mountable by those who may pull the proxy
    expect((await mirror.get(`/v2/mirror/library/base/blobs/${shared.digest}`, { method: 'HEAD' })).status).toBe(200);
    expect(upstreamAsked(shared.digest)).toHaveLength(1);
    const mount = await new RegistryClient(api.url, developer).fetch(`/v2/dest/base/blobs/uploads/?mount=${shared.digest}&from=mirror/library/base`, { method: 'POST' });
    expect(mount.status).toBe(201);
  });

  it('copies out of a proxy project only the blobs it holds, not those its cached manifests merely name', async () => {
    const layer = randomBytes(2048);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, note: 'copied' }));
    // another project stores the layer and config; the upstream's manifest names them
    await admin.pushBlob('secret/layers', layer);
    await admin.pushBlob('secret/layers', config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
      }),
    );
    upstream.setManifest('library/img', 'v1', manifest, OCI_MANIFEST);
    const mirror = await anonymous('mirror/library/img');
    expect((await mirror.get('/v2/mirror/library/img/manifests/v1', { headers: { accept: OCI_MANIFEST } })).status).toBe(200);
    const copy = () => callApi(api.url, 'POST', `/projects/dest/repositories/img/artifacts?from=${encodeURIComponent('mirror/library/img:v1')}`, { auth: developer });

    const early = await copy();
    expect(early.status).toBe(409);
    expect(await linked('dest', sha256(layer))).toBe(false);

    // once the proxy holds them (the upstream vouched for each), the copy goes through
    upstream.setBlob('library/img', sha256(layer), { kind: 'serve', bytes: layer });
    upstream.setBlob('library/img', sha256(config), { kind: 'serve', bytes: config });
    for (const digest of [sha256(layer), sha256(config)]) expect((await mirror.get(`/v2/mirror/library/img/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
    expect((await copy()).status).toBe(201);
    expect(await linked('dest', sha256(layer))).toBe(true);
  });

  it('still fetches and caches a blob only the upstream has', async () => {
    const bytes = randomBytes(128 * 1024);
    const digest = sha256(bytes);
    upstream.setBlob('library/fresh', digest, { kind: 'serve', bytes });
    const mirror = await anonymous('mirror/library/fresh');
    const pulled = await mirror.get(`/v2/mirror/library/fresh/blobs/${digest}`);
    expect(pulled.status).toBe(200);
    expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(digest);
    await eventually(async () => linked('mirror', digest));
    expect(upstreamAsked(digest)).toEqual([`GET /v2/library/fresh/blobs/${digest}`]);
  });

  it('with the upstream down, serves what it holds and nothing it would need the upstream to vouch for', async () => {
    const flaky = await startScriptedUpstream();
    let closed = false;
    try {
      await createProxyProject(api, 'flaky', flaky.url, { metadata: { public: 'true' } });
      const cachedBytes = randomBytes(8 * 1024);
      const cached = sha256(cachedBytes);
      flaky.setBlob('library/x', cached, { kind: 'serve', bytes: cachedBytes });
      const mirror = await anonymous('flaky/library/x');
      expect(sha256(Buffer.from(await (await mirror.get(`/v2/flaky/library/x/blobs/${cached}`)).arrayBuffer()))).toBe(cached);
      await eventually(async () => linked('flaky', cached));
      const secret = await admin.pushBlob('secret/more', randomBytes(2048));
      await flaky.close();
      closed = true;

      const held = await mirror.get(`/v2/flaky/library/x/blobs/${cached}`);
      expect(held.status).toBe(200);
      expect(sha256(Buffer.from(await held.arrayBuffer()))).toBe(cached);
      const refused = await mirror.get(`/v2/flaky/library/x/blobs/${secret.digest}`);
      expect(refused.status).toBe(503);
      await refused.arrayBuffer();
      expect((await mirror.get(`/v2/flaky/library/x/blobs/${secret.digest}`, { method: 'HEAD' })).status).toBe(503);
      expect(await linked('flaky', secret.digest)).toBe(false);
    } finally {
      if (!closed) await flaky.close();
    }
  });
});
