import { createUpstreamRegistry, UpstreamAuthError, type UpstreamEndpoint, type UpstreamRegistry } from '@wharf/registries';
import type { Readable } from 'node:stream';
import { callApi } from '../support/management-api';
import { sha256 } from '../support/registry-client';
import { startSecondWharf, type SecondWharf } from '../support/second-wharf';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { pushTestImage, pushTestIndex, type PushedImage, type PushedIndex } from '../support/upstream-registry';
import { s3Available } from '../support/wharf-app';

/**
 * The upstream client against a second Wharf: the Bearer token flow (401 with a realm, a
 * token from /service/token, the retry), Link pagination of tags, and blob redirects to
 * storage on another host.
 */

const endpoint = (url: string, credential: UpstreamEndpoint['credential'] = null): UpstreamEndpoint => ({ type: 'harbor', url, insecure: false, credential });
const admin = (password: string = TEST_ADMIN.password): UpstreamEndpoint['credential'] => ({ type: 'basic', accessKey: TEST_ADMIN.username, accessSecret: password });

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let markers = 0;
/**
 * Token requests the second Wharf has logged so far. Its log trails its answers, so a marker
 * request is sent and waited for first: every earlier request was logged before it.
 */
async function tokenRequests(wharf: SecondWharf): Promise<number> {
  const marker = `/v2/log-marker-${(markers += 1)}/tags/list`;
  await fetch(`${wharf.url}${marker}`).then((r) => r.arrayBuffer());
  const deadline = Date.now() + 5_000;
  while (!wharf.output().includes(`"url":"${marker}"`)) {
    if (Date.now() > deadline) throw new Error(`the second Wharf did not log ${marker}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return wharf.output().split('\n').filter((line) => line.includes('"url":"/service/token"') && line.includes('"statusCode":200')).length;
}

const clients: UpstreamRegistry[] = [];
function client(target: UpstreamEndpoint, options: { timeoutMs?: number; tagPageSize?: number } = {}): UpstreamRegistry {
  const created = createUpstreamRegistry(target, options);
  clients.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close?.()));
});

describe('upstream client against a second Wharf (Bearer token flow)', () => {
  let wharf: SecondWharf;
  let image: PushedImage;
  let index: PushedIndex;
  const tags = ['1.0', '1.1', '2.0', '2.1', 'latest'];

  beforeAll(async () => {
    // debug: successful requests are logged too, so token requests can be counted
    wharf = await startSecondWharf({ env: { LOG_LEVEL: 'debug' } });
    const created = await callApi(wharf.url, 'POST', '/projects', { body: { project_name: 'mirror', public: false } });
    expect(created.status).toBe(201);
    image = await pushTestImage(wharf.url, 'mirror/app', tags[0], TEST_ADMIN);
    // the same manifest under every tag: a tag list longer than two pages
    for (const tag of tags.slice(1)) {
      const response = await fetch(`${wharf.url}/v2/mirror/app/manifests/${tag}`, {
        method: 'PUT',
        body: image.manifest,
        headers: { authorization: basicAuth(TEST_ADMIN), 'content-type': image.mediaType },
      });
      expect(response.status).toBe(201);
    }
    index = await pushTestIndex(wharf.url, 'mirror/multi', 'latest', TEST_ADMIN);
  });
  afterAll(() => wharf?.close());

  it('challenges with a Bearer realm (what the client has to follow)', async () => {
    const response = await fetch(`${wharf.url}/v2/`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/service\/token",service="[^"]+"/);
  });

  it('gets a token with the admin credential and reads manifests, blobs and tags of a private project', async () => {
    const upstream = client(endpoint(wharf.url, admin()));
    await upstream.ping();
    expect(await upstream.headManifest('mirror/app', '1.0')).toEqual({ digest: image.digest, mediaType: image.mediaType, size: image.manifest.length });
    const manifest = await upstream.getManifest('mirror/app', image.digest);
    expect(manifest!.body.equals(image.manifest)).toBe(true);
    for (const [digest, bytes] of image.blobs) {
      const blob = await upstream.getBlob('mirror/app', digest);
      expect(blob!.size).toBe(bytes.length);
      expect((await readAll(blob!.stream)).equals(bytes)).toBe(true);
    }
    const multi = await upstream.getManifest('mirror/multi', 'latest');
    expect(multi).toMatchObject({ digest: index.digest, mediaType: 'application/vnd.oci.image.index.v1+json' });
    expect(multi!.body.equals(index.index)).toBe(true);
    expect(await upstream.getManifest('mirror/app', 'no-such-tag')).toBeNull();
  });

  it('asks the token service once per repository scope, then reuses the token', async () => {
    const upstream = client(endpoint(wharf.url, admin()));
    const before = await tokenRequests(wharf);
    await upstream.headManifest('mirror/app', '1.0');
    await upstream.getManifest('mirror/app', '1.0');
    await readAll((await upstream.getBlob('mirror/app', image.layers[0].digest))!.stream);
    await upstream.listTags('mirror/app');
    await upstream.getManifest('mirror/multi', 'latest');
    await upstream.getManifest('mirror/multi', index.images[0].digest);
    // one 401 teaches the client the realm; then one token for mirror/app and one for mirror/multi
    expect((await tokenRequests(wharf)) - before).toBe(2);
  });

  it('follows Link rel="next" through every page of tags', async () => {
    // Wharf pages: two per page means three pages for five tags
    const firstPage = await fetch(`${wharf.url}/v2/mirror/app/tags/list?n=2`, { headers: { authorization: basicAuth(TEST_ADMIN) } });
    expect(((await firstPage.json()) as { tags: string[] }).tags).toHaveLength(2);
    expect(firstPage.headers.get('link')).toMatch(/rel="next"/);
    const upstream = client(endpoint(wharf.url, admin()), { tagPageSize: 2 });
    expect((await upstream.listTags('mirror/app'))!.sort()).toEqual([...tags].sort());
  });

  it('sends an oauth credential as the bearer token it is', async () => {
    const issued = await fetch(`${wharf.url}/service/token?service=wharf-registry&scope=repository:mirror/app:pull`, { headers: { authorization: basicAuth(TEST_ADMIN) } });
    const { token } = (await issued.json()) as { token: string };
    const upstream = client(endpoint(wharf.url, { type: 'oauth', accessKey: '', accessSecret: token }));
    expect((await upstream.getManifest('mirror/app', '1.0'))!.digest).toBe(image.digest);
    // a token is only as good as its scope: another repository is refused, not retried with nothing
    await expect(upstream.getManifest('mirror/multi', 'latest')).rejects.toBeInstanceOf(UpstreamAuthError);
  });

  it('without a credential: an anonymous token that Wharf refuses for a private project -> UpstreamAuthError', async () => {
    const upstream = client(endpoint(wharf.url));
    // /v2/ only wants some token, and an anonymous one will do
    await expect(upstream.ping()).resolves.toBeUndefined();
    await expect(upstream.headManifest('mirror/app', '1.0')).rejects.toBeInstanceOf(UpstreamAuthError);
    await expect(upstream.getBlob('mirror/app', image.layers[0].digest)).rejects.toBeInstanceOf(UpstreamAuthError);
  });

  it('with a wrong password: the token service refuses -> UpstreamAuthError, the password in no message', async () => {
    const upstream = client(endpoint(wharf.url, admin('Not-The-Password-9')));
    const failure = await upstream.getManifest('mirror/app', '1.0').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamAuthError);
    expect((failure as Error).message).not.toContain('Not-The-Password-9');
    await expect(upstream.ping()).rejects.toBeInstanceOf(UpstreamAuthError);
  });

  it('comes back after the upstream restarts (same port, same content)', async () => {
    const upstream = client(endpoint(wharf.url, admin()));
    expect(await upstream.listTags('mirror/multi')).toEqual(expect.arrayContaining(['latest']));
    await wharf.stop();
    await wharf.start();
    expect((await upstream.getManifest('mirror/app', 'latest'))!.digest).toBe(image.digest);
  });
});

if (!s3Available()) console.warn('blob redirect tests SKIPPED: no test RadosGW');

(s3Available() ? describe : describe.skip)('upstream client following a blob redirect to storage on another host', () => {
  let wharf: SecondWharf;
  let image: PushedImage;

  beforeAll(async () => {
    wharf = await startSecondWharf({ storage: 's3', env: { STORAGE_REDIRECT: 'true' } });
    expect((await callApi(wharf.url, 'POST', '/projects', { body: { project_name: 'stored', public: false } })).status).toBe(201);
    image = await pushTestImage(wharf.url, 'stored/app', 'v1', TEST_ADMIN, { layers: 1, layerSize: 64 * 1024 });
  });
  afterAll(() => wharf?.close());

  it('fetches the bytes from the presigned URL without sending our Authorization there', async () => {
    const layer = image.layers[0];
    // the redirect is real: Wharf answers 307 to the S3 endpoint
    const direct = await fetch(`${wharf.url}/v2/stored/app/blobs/${layer.digest}`, { headers: { authorization: basicAuth(TEST_ADMIN) }, redirect: 'manual' });
    expect(direct.status).toBe(307);
    expect(direct.headers.get('location')!.startsWith(wharf.env.S3_ENDPOINT)).toBe(true);
    // S3 refuses a presigned request that also carries an Authorization header, so exact bytes
    // back prove the bearer token stayed behind
    const upstream = client(endpoint(wharf.url, admin()));
    const blob = await upstream.getBlob('stored/app', layer.digest);
    expect(blob!.size).toBe(layer.size);
    const bytes = await readAll(blob!.stream);
    expect(sha256(bytes)).toBe(layer.digest);
  });
});
