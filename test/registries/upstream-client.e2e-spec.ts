import { createUpstreamRegistry, UpstreamAuthError, UpstreamProtocolError, UpstreamUnavailableError, type UpstreamEndpoint, type UpstreamRegistry } from '@wharf/registries';
import type { Readable } from 'node:stream';
import { sha256 } from '../support/registry-client';
import { pushTestImage, pushTestIndex, startUpstreamRegistry, type PushedImage, type PushedIndex, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { startGarbageServer, startScriptedServer, startSilentServer, startStatusServer, type BrokenServer } from './upstream-client-broken-servers';

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

  it('says whether the repository has a blob with one HEAD, without its bytes', async () => {
    const upstream = client(endpoint(registry.url));
    const [digest] = [...image.blobs.keys()];
    registry.clearRequests();
    expect(await upstream.hasBlob('team/app', digest)).toBe(true);
    expect(await upstream.hasBlob('team/app', sha256('not pushed'))).toBe(false);
    // a blob is vouched for per repository: another repository of the upstream does not have it
    expect(await upstream.hasBlob('team/other', digest)).toBe(false);
    expect((await registry.settledRequests()).map((r) => r.method)).toEqual(['HEAD', 'HEAD', 'HEAD']);
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

  describe('that break the protocol', () => {
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
    const servers: BrokenServer[] = [];
    const serve = async (...args: Parameters<typeof startScriptedServer>): Promise<BrokenServer> => {
      const server = await startScriptedServer(...args);
      servers.push(server);
      return server;
    };
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((server) => server.close()));
    });

    it('refuses a manifest whose bytes do not match Docker-Content-Digest or the digest asked for', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha256('something else') });
        response.end(manifest);
      });
      const upstream = client(endpoint(server.url));
      await expect(upstream.getManifest('team/app', 'v1')).rejects.toBeInstanceOf(UpstreamProtocolError);
      await expect(upstream.getManifest('team/app', sha256('something else'))).rejects.toThrow(/hashes to/);
    });

    it('refuses a manifest over 4 MiB without holding it all', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        // no Content-Length: the limit has to hold while reading
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        for (let i = 0; i < 5; i += 1) response.write(chunk);
        response.end(manifest);
      });
      await expect(client(endpoint(server.url)).getManifest('team/app', 'v1')).rejects.toThrow(/limit/);
    });

    it('computes the digest with a GET when a HEAD answer lacks Docker-Content-Digest', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': String(manifest.length) });
        response.end(_request.method === 'HEAD' ? undefined : manifest);
      });
      expect(await client(endpoint(server.url)).headManifest('team/app', 'v1')).toEqual({ digest: sha256(manifest), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: manifest.length });
      expect(server.hits()).toBe(2);
    });

    it('calls an answer that is not HTTP a protocol error', async () => {
      const garbage = await startGarbageServer();
      servers.push(garbage);
      await expect(client(endpoint(garbage.url)).ping()).rejects.toThrow(UpstreamProtocolError);
    });

    it('stops following blob redirects after five', async () => {
      const server = await serve((request, response, url) => {
        response.writeHead(307, { location: `${url}${request.url}x` });
        response.end();
      });
      await expect(client(endpoint(server.url)).getBlob('team/app', sha256('x'))).rejects.toThrow(/more than 5 redirects/);
      expect(server.hits()).toBe(6);
    });

    it('reports a blob cut off mid-stream as unavailable, on the stream', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '100000' });
        response.write(Buffer.alloc(1000));
        setTimeout(() => response.socket?.destroy(), 50);
      });
      const blob = await client(endpoint(server.url)).getBlob('team/app', sha256('x'));
      expect(blob!.size).toBe(100000);
      await expect(readAll(blob!.stream)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    });

    it('does not follow a tags page link to another host (it would carry our credential)', async () => {
      const elsewhere = await serve((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ tags: ['stolen'] }));
      });
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', link: `<${elsewhere.url}/v2/team/app/tags/list?last=a>; rel="next"` });
        response.end(JSON.stringify({ name: 'team/app', tags: ['a'] }));
      });
      await expect(client(endpoint(server.url, basic('u', 'p'))).listTags('team/app')).rejects.toThrow(/another host/);
      expect(elsewhere.hits()).toBe(0);
    });
  });
});

describe('upstream client against a docker-registry over TLS with a self-signed certificate', () => {
  let registry: UpstreamRegistryProcess;

  beforeAll(async () => {
    registry = await startUpstreamRegistry({ tls: true });
  });
  afterAll(() => registry?.stop());

  it('talks to it when the endpoint is insecure', async () => {
    const upstream = client({ ...endpoint(registry.url), insecure: true });
    await upstream.ping();
    expect(await upstream.getManifest('team/app', 'v1')).toBeNull();
  });

  it('refuses the certificate otherwise, as a protocol error that names the cure', async () => {
    const failure = await client(endpoint(registry.url)).ping().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamProtocolError);
    expect((failure as Error).message).toMatch(/certificate.*insecure/);
  });
});
