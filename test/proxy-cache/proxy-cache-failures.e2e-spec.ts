import { randomBytes } from 'node:crypto';
import { blobKey, parseDigest } from '@wharf/registry-core';
import { createBlobDriver, S3BlobDriver } from '@wharf/storage';
import type { Client } from 'pg';
import { RegistryClient, sha256 } from '../support/registry-client';
import { startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type StorageKind, type TestEnvironment } from '../support/wharf-app';
import { eventually } from '../support/eventually';
import { connectDatabase, createProxyProject } from './proxy-support';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** An image whose config and single layer the scripted upstream serves as told. */
function imageOf(layer: Buffer): { manifest: Buffer; config: Buffer; layerDigest: string; configDigest: string } {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const layerDigest = sha256(layer);
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
    }),
  );
  return { manifest, config, layerDigest, configDigest };
}

/**
 * What a misbehaving upstream cannot do to a proxy project: store a blob whose bytes are not its
 * digest, store a malformed manifest, or leave a partial blob behind when it stops mid-stream.
 * Also the per-project limits (max_upstream_conn, proxy_speed_kb). On both storage drivers.
 */
describe.each<StorageKind>(s3Available() ? ['filesystem', 's3'] : ['filesystem'])('proxy cache with a misbehaving upstream (%s)', (storage) => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let upstream: ScriptedUpstream;
  let wharf: RegistryClient;
  let db: Client;

  const blobRow = async (digest: string) => (await db.query(`SELECT status FROM blob WHERE digest = $1`, [digest])).rows[0];

  beforeAll(async () => {
    environment = await createTestEnvironment(storage, { PROXY_UPSTREAM_TIMEOUT_SECONDS: '2' });
    api = await startApi(environment);
    upstream = await startScriptedUpstream();
    wharf = new RegistryClient(api.url);
    db = await connectDatabase(environment);
    await createProxyProject(api, 'scripted', upstream.url);
  });

  afterAll(async () => {
    await db?.end();
    await upstream?.close();
    await api?.close();
    await environment?.close();
  });

  it('streams a good blob to the client and stores it, verified', async () => {
    const layer = randomBytes(3 * 1024 * 1024);
    const image = imageOf(layer);
    upstream.setManifest('good', 'v1', image.manifest, OCI_MANIFEST);
    upstream.setBlob('good', image.layerDigest, { kind: 'serve', bytes: layer });
    const pulled = await wharf.fetch(`/v2/scripted/good/blobs/${image.layerDigest}`);
    expect(pulled.status).toBe(200);
    expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(image.layerDigest);
    // stored once the whole body is in storage and verified, which may be a moment after the client has it
    await eventually(async () => (await blobRow(image.layerDigest))?.status === 'none');
    const again = await wharf.fetch(`/v2/scripted/good/blobs/${image.layerDigest}`);
    expect(sha256(Buffer.from(await again.arrayBuffer()))).toBe(image.layerDigest);
    expect(upstream.requests.filter((r) => r.path.endsWith(image.layerDigest))).toHaveLength(1);
  });

  it('stores a blob of several S3 parts byte for byte as it streams it, hashed off the event loop', async () => {
    // 20 MiB: three multipart parts on S3, many writev batches on the filesystem, twenty hashing units
    const layer = randomBytes(20 * 1024 * 1024 + 4321);
    const digest = sha256(layer);
    upstream.setBlob('large', digest, { kind: 'serve', bytes: layer });
    const pulled = Buffer.from(await (await wharf.fetch(`/v2/scripted/large/blobs/${digest}`)).arrayBuffer());
    expect(pulled.equals(layer)).toBe(true);
    await eventually(async () => (await blobRow(digest))?.status === 'none');
    // what storage holds, read straight from it: the upstream's bytes exactly
    const driver = await createBlobDriver(environment.config);
    const stored: Buffer[] = [];
    for await (const chunk of await driver.read(blobKey(parseDigest(digest)))) stored.push(chunk as Buffer);
    expect(Buffer.concat(stored).equals(layer)).toBe(true);
    if (driver instanceof S3BlobDriver) driver.destroy();
  });

  it('stores nothing when the upstream sends bytes that do not match the digest, and tries again on the next pull', async () => {
    const layer = randomBytes(512 * 1024);
    const digest = sha256(layer);
    const wrong = Buffer.from(layer);
    wrong[wrong.length - 1] ^= 0xff;
    upstream.setBlob('corrupt', digest, { kind: 'wrong-bytes', bytes: wrong });
    // the client never receives a complete body: the last bytes are held back until the digest checks out
    await expect(wharf.fetch(`/v2/scripted/corrupt/blobs/${digest}`).then((r) => r.arrayBuffer())).rejects.toThrow();
    expect(await blobRow(digest)).toBeUndefined();
    // a HEAD (which waits for the whole fetch) says what went wrong
    upstream.setBlob('corrupt', digest, { kind: 'wrong-bytes', bytes: wrong });
    const head = await wharf.fetch(`/v2/scripted/corrupt/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(502);

    upstream.setBlob('corrupt', digest, { kind: 'serve', bytes: layer });
    const fixed = await wharf.fetch(`/v2/scripted/corrupt/blobs/${digest}`);
    expect(sha256(Buffer.from(await fixed.arrayBuffer()))).toBe(digest);
    await eventually(async () => (await blobRow(digest))?.status === 'none');
  });

  it('refuses a malformed manifest and stores nothing', async () => {
    const malformed = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: 'not a descriptor', layers: 7 }));
    const digest = upstream.setManifest('malformed', 'v1', malformed, OCI_MANIFEST);
    const pulled = await wharf.fetch('/v2/scripted/malformed/manifests/v1');
    expect(pulled.status).toBe(502);
    expect(await pulled.text()).toMatch(/unusable manifest/);
    expect((await db.query(`SELECT 1 FROM artifact WHERE digest = $1`, [digest])).rowCount).toBe(0);
    expect(await blobRow(digest)).toBeUndefined();
  });

  it('fails a pull cleanly within the timeout when the upstream stops mid-stream, leaving no partial blob', async () => {
    const layer = randomBytes(1024 * 1024);
    const digest = sha256(layer);
    upstream.setBlob('hang', digest, { kind: 'hang', bytes: layer, after: 256 * 1024 });
    const started = Date.now();
    await expect(wharf.fetch(`/v2/scripted/hang/blobs/${digest}`).then((r) => r.arrayBuffer())).rejects.toThrow();
    // generous bound: PROXY_UPSTREAM_TIMEOUT_SECONDS is 2; it must not hang for ever
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await blobRow(digest)).toBeUndefined();
    upstream.setBlob('hang', digest, { kind: 'serve', bytes: layer });
    const retried = await wharf.fetch(`/v2/scripted/hang/blobs/${digest}`);
    expect(sha256(Buffer.from(await retried.arrayBuffer()))).toBe(digest);
  });

  it('answers 429 beyond max_upstream_conn', async () => {
    await createProxyProject(api, 'narrow', upstream.url, { metadata: { max_upstream_conn: '1' } });
    const slow = randomBytes(512 * 1024);
    const slowDigest = sha256(slow);
    upstream.setBlob('held', slowDigest, { kind: 'hang', bytes: slow, after: 1024 });
    const other = randomBytes(1024);
    upstream.setBlob('held', sha256(other), { kind: 'serve', bytes: other });
    const holding = wharf.fetch(`/v2/narrow/held/blobs/${slowDigest}`).then((r) => r.arrayBuffer()).catch(() => undefined);
    // the first request holds the only slot while its upstream body hangs
    await new Promise((resolve) => setTimeout(resolve, 500));
    const refused = await wharf.fetch(`/v2/narrow/held/blobs/${sha256(other)}`);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/max_upstream_conn/);
    await holding;
    // the slot is given back when the failed transfer ends
    const later = await wharf.fetch(`/v2/narrow/held/blobs/${sha256(other)}`);
    expect(later.status).toBe(200);
  });

  it('limits the upstream transfer rate to proxy_speed_kb', async () => {
    await createProxyProject(api, 'slow', upstream.url, { metadata: { proxy_speed_kb: '256' } });
    const layer = randomBytes(1024 * 1024);
    const digest = sha256(layer);
    upstream.setBlob('limited', digest, { kind: 'serve', bytes: layer });
    const started = Date.now();
    const pulled = await wharf.fetch(`/v2/slow/limited/blobs/${digest}`);
    expect(sha256(Buffer.from(await pulled.arrayBuffer()))).toBe(digest);
    // 1 MiB at 256 KiB/s takes 4 s at the least; a lower bound holds however loaded the machine is
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_500);
    await eventually(async () => (await blobRow(digest))?.status === 'none');
  });

  it('shares one upstream HEAD among concurrent requests for a tag on two api replicas', async () => {
    const replica = await startApi(environment);
    const layer = randomBytes(1024);
    const image = imageOf(layer);
    upstream.setManifest('shared', 'v1', image.manifest, OCI_MANIFEST);
    try {
      const clients = [wharf, new RegistryClient(replica.url)];
      // each replica's first request checks the password and runs cold code: done before the
      // concurrent requests, so that most of them reach the replicas while the one check runs
      for (const client of clients) expect((await client.fetch('/v2/')).status).toBe(200);
      upstream.manifestDelayMs = 1_000; // every request below arrives while the one check runs
      const before = upstream.requests.length;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => clients[i % 2].fetch('/v2/scripted/shared/manifests/v1', { method: 'HEAD' })));
      expect(answers.map((r) => r.headers.get('docker-content-digest'))).toEqual(Array(20).fill(sha256(image.manifest)));
      const seen = upstream.requests.slice(before).filter((r) => r.path.includes('/manifests/'));
      // one check (a HEAD, then the GET of the new manifest) for every request that arrived while
      // it ran; a request that reached a replica only after it ended checks again (one more HEAD,
      // no GET), which a loaded machine made happen in CI
      const gets = seen.filter((r) => r.method === 'GET');
      expect(gets).toHaveLength(1);
      const [first, ...later] = seen.filter((r) => r.method === 'HEAD').sort((a, b) => a.at - b.at);
      expect(first.at).toBeLessThanOrEqual(gets[0].at);
      for (const head of later) expect(head.at).toBeGreaterThanOrEqual(gets[0].answeredAt!);
    } finally {
      upstream.manifestDelayMs = 0;
      await replica.close();
    }
  });
});
