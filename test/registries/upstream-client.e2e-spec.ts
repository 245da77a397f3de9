import { createUpstreamRegistry, UpstreamAuthError, UpstreamUnavailableError, type UpstreamEndpoint, type UpstreamRegistry } from '@wharf/registries';
import type { Readable } from 'node:stream';
import { sha256 } from '../support/registry-client';
import { pushTestImage, pushTestIndex, startUpstreamRegistry, type PushedImage, type PushedIndex, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { startSilentServer, startStatusServer } from './upstream-client-broken-servers';

/**
 * The upstream client against the CNCF reference registry (Debian's docker-registry), with
 * and without htpasswd Basic auth, and against servers that fail in the ways upstreams do.
 */

const endpoint = (url: string, credential: UpstreamEndpoint['credential'] = null): UpstreamEndpoint => ({ type: 'docker-registry', url, insecure: false, credential });
const basic = (accessKey: string, accessSecret: string): UpstreamEndpoint['credential'] => ({ type: 'basic', accessKey, accessSecret });

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const clients: UpstreamRegistry[] = [];
/** A client closed after the test, so no kept-alive socket outlives the suite. */
function client(target: UpstreamEndpoint, options: { timeoutMs?: number; tagPageSize?: number } = {}): UpstreamRegistry {
  const created = createUpstreamRegistry(target, options);
  clients.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close?.()));
});

describe('upstream client against an anonymous docker-registry', () => {
  let registry: UpstreamRegistryProcess;
  let image: PushedImage;
  let index: PushedIndex;
  const tags = ['t1', 't2', 't3', 't4', 't5'];

  beforeAll(async () => {
    registry = await startUpstreamRegistry();
    image = await pushTestImage(registry.url, 'team/app', 'v1');
    index = await pushTestIndex(registry.url, 'team/multi', 'latest');
    for (const tag of tags) await pushTestImage(registry.url, 'team/tags', tag, null, { layers: 1 });
  });
  afterAll(() => registry?.stop());

  it('pings /v2/', async () => {
    await expect(client(endpoint(registry.url)).ping()).resolves.toBeUndefined();
  });

  it('HEADs a manifest by tag and by digest without a GET (rate limits count GETs)', async () => {
    const upstream = client(endpoint(registry.url));
    registry.clearRequests();
    const byTag = await upstream.headManifest('team/app', 'v1');
    expect(byTag).toEqual({ digest: image.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: image.manifest.length });
    const byDigest = await upstream.headManifest('team/app', image.digest);
    expect(byDigest).toEqual(byTag);
    expect((await registry.settledRequests()).filter((r) => r.path.includes('/manifests/')).map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('GETs a manifest byte for byte, by tag and by digest', async () => {
    const upstream = client(endpoint(registry.url));
    const byTag = await upstream.getManifest('team/app', 'v1');
    expect(byTag!.body.equals(image.manifest)).toBe(true);
    expect(byTag).toMatchObject({ digest: image.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: image.manifest.length });
    const byDigest = await upstream.getManifest('team/app', image.digest);
    expect(byDigest!.body.equals(image.manifest)).toBe(true);
  });

  it('keeps an index an index (no platform resolution), and reads its children by digest', async () => {
    const upstream = client(endpoint(registry.url));
    const fetched = await upstream.getManifest('team/multi', 'latest');
    expect(fetched!.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(fetched!.digest).toBe(index.digest);
    expect(fetched!.body.equals(index.index)).toBe(true);
    expect(await upstream.headManifest('team/multi', 'latest')).toEqual({ digest: index.digest, mediaType: index.mediaType, size: index.index.length });
    for (const child of index.images) {
      const manifest = await upstream.getManifest('team/multi', child.digest);
      expect(manifest!.body.equals(child.manifest)).toBe(true);
    }
  });

  it('streams blobs with their exact bytes and declared size', async () => {
    const upstream = client(endpoint(registry.url));
    for (const [digest, bytes] of image.blobs) {
      const blob = await upstream.getBlob('team/app', digest);
      expect(blob!.size).toBe(bytes.length);
      const received = await readAll(blob!.stream);
      expect(sha256(received)).toBe(digest);
      expect(received.equals(bytes)).toBe(true);
    }
  });

  it('lists every tag (distribution 2.8 ignores `n` for tags: one page; pagination is proven against Wharf)', async () => {
    const upstream = client(endpoint(registry.url), { tagPageSize: 2 });
    registry.clearRequests();
    expect((await upstream.listTags('team/tags'))!.sort()).toEqual(tags);
    expect((await registry.settledRequests()).filter((r) => r.path.includes('/tags/list'))).toEqual([{ method: 'GET', path: '/v2/team/tags/tags/list?n=2', status: 200 }]);
    expect(await client(endpoint(registry.url)).listTags('team/app')).toEqual(['v1']);
  });

  it('answers null for what the upstream does not have (404)', async () => {
    const upstream = client(endpoint(registry.url));
    expect(await upstream.headManifest('team/app', 'missing')).toBeNull();
    expect(await upstream.getManifest('team/app', 'missing')).toBeNull();
    expect(await upstream.getManifest('team/app', sha256('not pushed'))).toBeNull();
    expect(await upstream.getBlob('team/app', sha256('not pushed'))).toBeNull();
    expect(await upstream.listTags('team/nothing-here')).toBeNull();
  });

  it('reports a stopped registry as unavailable at once, and works again after a restart (same storage)', async () => {
    const upstream = client(endpoint(registry.url));
    await registry.kill();
    try {
      const started = Date.now();
      await expect(upstream.ping()).rejects.toBeInstanceOf(UpstreamUnavailableError);
      await expect(upstream.getManifest('team/app', 'v1')).rejects.toBeInstanceOf(UpstreamUnavailableError);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await registry.restart();
    }
    expect((await upstream.getManifest('team/app', 'v1'))!.digest).toBe(image.digest);
  });
});

describe('upstream client against a docker-registry with htpasswd Basic auth', () => {
  const user = { username: 'puller', password: 'Upstream-Secret-42' };
  let registry: UpstreamRegistryProcess;
  let image: PushedImage;

  beforeAll(async () => {
    registry = await startUpstreamRegistry({ auth: user });
    image = await pushTestImage(registry.url, 'private/app', 'v1', user);
  });
  afterAll(() => registry?.stop());

  it('answers the Basic challenge with the right credential, then sends it up front', async () => {
    const upstream = client(endpoint(registry.url, basic(user.username, user.password)));
    registry.clearRequests();
    await upstream.ping();
    expect(await upstream.headManifest('private/app', 'v1')).toMatchObject({ digest: image.digest });
    const manifest = await upstream.getManifest('private/app', 'v1');
    expect(manifest!.body.equals(image.manifest)).toBe(true);
    const layer = image.layers[0];
    const blob = await upstream.getBlob('private/app', layer.digest);
    expect((await readAll(blob!.stream)).equals(image.blobs.get(layer.digest)!)).toBe(true);
    expect(await upstream.listTags('private/app')).toEqual(['v1']);
    // one 401 (the first ping) teaches the client the scheme; nothing is refused after it
    expect((await registry.settledRequests()).map((r) => r.status)).toEqual([401, 200, 200, 200, 200, 200]);
  });

  it('reports a wrong password as UpstreamAuthError, without the password in the message', async () => {
    const upstream = client(endpoint(registry.url, basic(user.username, 'wrong-password-123')));
    const failure = await upstream.getManifest('private/app', 'v1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamAuthError);
    expect((failure as Error).message).not.toContain('wrong-password-123');
    expect((failure as Error).message).not.toContain(Buffer.from(`${user.username}:wrong-password-123`).toString('base64'));
    await expect(upstream.ping()).rejects.toBeInstanceOf(UpstreamAuthError);
  });

  it('reports no credential as UpstreamAuthError', async () => {
    const upstream = client(endpoint(registry.url));
    await expect(upstream.ping()).rejects.toBeInstanceOf(UpstreamAuthError);
    await expect(upstream.headManifest('private/app', 'v1')).rejects.toBeInstanceOf(UpstreamAuthError);
  });
});

describe('upstream client against failing servers', () => {
  it('gives up on a server that accepts and never answers within timeoutMs', async () => {
    const silent = await startSilentServer();
    try {
      const upstream = client(endpoint(silent.url), { timeoutMs: 500 });
      const started = Date.now();
      await expect(upstream.getManifest('team/app', 'v1')).rejects.toBeInstanceOf(UpstreamUnavailableError);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(3_000);
      expect(silent.hits()).toBeGreaterThan(0);
    } finally {
      await silent.close();
    }
  });

  it('stops waiting when the caller aborts (the abort, not an upstream error)', async () => {
    const silent = await startSilentServer();
    try {
      const upstream = client(endpoint(silent.url), { timeoutMs: 30_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      const failure = await upstream.getBlob('team/app', sha256('x'), { signal: controller.signal }).catch((error: unknown) => error);
      expect(Date.now() - started).toBeLessThan(3_000);
      // undici rejects with the signal's reason: a DOMException named AbortError
      expect((failure as Error).name).toBe('AbortError');
    } finally {
      await silent.close();
    }
  });

  it.each([429, 502, 503])('treats %i as unavailable', async (status) => {
    const server = await startStatusServer(status, status === 429 ? { 'retry-after': '60' } : {});
    try {
      const upstream = client(endpoint(server.url));
      const failure = await upstream.headManifest('team/app', 'v1').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UpstreamUnavailableError);
      expect((failure as UpstreamUnavailableError).status).toBe(status);
      await expect(upstream.listTags('team/app')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    } finally {
      await server.close();
    }
  });
});
