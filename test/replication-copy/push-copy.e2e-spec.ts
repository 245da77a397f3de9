import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawManifestDigest, skopeo, toolAvailable } from '../support/oci-layout';
import { RegistryClient, sha256 } from '../support/registry-client';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { pushTestImage, pushTestIndex, startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { copyContext, copyItem, createEndpoint, local, remote, startCopyEngine, type CopyEngine } from './copy-support';

const haveTools = toolAvailable('skopeo') && toolAvailable('docker-registry') && toolAvailable('htpasswd');
if (!haveTools && process.env.CI) throw new Error('skopeo, docker-registry and htpasswd (apache2-utils) are required in CI');

const CHUNK = 64 * 1024;

/**
 * Push-based copies (this Wharf -> Debian's docker-registry, with and without htpasswd) through
 * the ArtifactCopier itself: what each copy sends is read back from the registry's access log,
 * and every copied image is pulled back by skopeo with the digest it has here.
 */
(haveTools ? describe : describe.skip)('replication copy: Wharf to docker-registry', () => {
  const user = { username: 'replicator', password: 'Replicator-Secret-1' };
  let environment: TestEnvironment;
  let api: RunningApi;
  let engine: CopyEngine;
  let secured: UpstreamRegistryProcess;
  let plain: UpstreamRegistryProcess;
  let securedId: number;
  let plainId: number;
  let work: string;

  const securedFlags = () => ['--tls-verify=false', '--creds', `${user.username}:${user.password}`];
  const digestAt = (registry: UpstreamRegistryProcess, reference: string, flags: string[] = ['--tls-verify=false']) =>
    rawManifestDigest(`docker://127.0.0.1:${registry.port}/${reference}`, flags);
  const headStatus = async (registry: UpstreamRegistryProcess, path: string, withAuth = false) =>
    (
      await fetch(`${registry.url}${path}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json', ...(withAuth ? { authorization: basicAuth(user) } : {}) },
      })
    ).status;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    engine = await startCopyEngine(environment, { REPLICATION_CHUNK_SIZE_BYTES: String(CHUNK) });
    secured = await startUpstreamRegistry({ auth: user });
    plain = await startUpstreamRegistry();
    securedId = await createEndpoint(api.url, 'secured', 'docker-registry', secured.url, user);
    plainId = await createEndpoint(api.url, 'plain', 'docker-registry', plain.url);
    work = mkdtempSync(join(tmpdir(), 'wharf-replication-copy-'));
  });

  afterAll(async () => {
    await engine?.close();
    await secured?.stop();
    await plain?.stop();
    await api?.close();
    await environment?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('copies an image to an htpasswd registry, pulled back by skopeo with the same digest; a second copy only HEADs and skips', async () => {
    const image = await pushTestImage(api.url, 'library/app', 'v1', TEST_ADMIN, { layers: 3 });
    const item = copyItem({ side: local, repository: 'library/app', digest: image.digest, tags: ['v1'] }, { side: remote(securedId), repository: 'mirror/app', tags: ['v1'] });

    const outcome = await engine.copier.copy(item, copyContext());
    expect(outcome).toMatchObject({ action: 'copied', blobsSent: 4, blobsMounted: 0 });
    expect(outcome.bytesSent).toBe([...image.blobs.values()].reduce((sum, b) => sum + b.length, 0));
    expect(await digestAt(secured, 'mirror/app:v1', securedFlags())).toBe(image.digest);
    await skopeo(['copy', '--src-tls-verify=false', '--src-creds', `${user.username}:${user.password}`, `docker://127.0.0.1:${secured.port}/mirror/app:v1`, `dir:${join(work, 'app')}`]);

    secured.clearRequests();
    const again = copyContext();
    expect(await engine.copier.copy(item, again)).toMatchObject({ action: 'skipped', reason: 'same digest at destination', blobsSent: 0 });
    expect(again.lines.join('\n')).toContain('same digest at destination');
    const requests = await secured.settledRequests();
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.method !== 'HEAD')).toEqual([]);
  });

  it('leaves a tag holding another artifact alone unless override is on, and says why', async () => {
    const theirs = await pushTestImage(secured.url, 'mirror/app', 'v2', user, { layers: 1 });
    const ours = await pushTestImage(api.url, 'library/app', 'v2', TEST_ADMIN, { layers: 1 });
    const item = copyItem({ side: local, repository: 'library/app', digest: ours.digest, tags: ['v2'] }, { side: remote(securedId), repository: 'mirror/app', tags: ['v2'] });

    const refused = copyContext();
    expect(await engine.copier.copy(item, refused)).toMatchObject({ action: 'skipped', reason: 'tag holds another artifact and override is off', blobsSent: 0 });
    expect(refused.lines.join('\n')).toContain(`holds another artifact (${theirs.digest}) and override is off`);
    expect(await digestAt(secured, 'mirror/app:v2', securedFlags())).toBe(theirs.digest);

    expect(await engine.copier.copy({ ...item, override: true }, copyContext())).toMatchObject({ action: 'copied' });
    expect(await digestAt(secured, 'mirror/app:v2', securedFlags())).toBe(ours.digest);
  });

  it('mounts blobs another repository of the destination received instead of sending them again', async () => {
    const image = await pushTestImage(api.url, 'library/shared', 'v1', TEST_ADMIN, { layers: 2 });
    const source = { side: local, repository: 'library/shared', digest: image.digest, tags: ['v1'] };
    // the config is the same as the earlier tests' images: mounted from where it went before
    const first = await engine.copier.copy(copyItem(source, { side: remote(securedId), repository: 'team-a/shared', tags: ['v1'] }), copyContext());
    expect(first).toMatchObject({ action: 'copied', blobsSent: 2, blobsMounted: 1 });

    secured.clearRequests();
    const outcome = await engine.copier.copy(copyItem(source, { side: remote(securedId), repository: 'team-b/shared', tags: ['v1'] }), copyContext());
    expect(outcome).toMatchObject({ action: 'copied', blobsSent: 0, blobsMounted: 3, bytesSent: 0 });
    const requests = await secured.settledRequests();
    const mounts = requests.filter((r) => r.method === 'POST' && r.path.includes('mount=') && r.status === 201);
    expect(mounts).toHaveLength(3);
    expect(requests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'))).toEqual([]);
    expect(await digestAt(secured, 'team-b/shared:v1', securedFlags())).toBe(image.digest);
  });

  it('uploads in chunks of the configured size with copy_by_chunk', async () => {
    const image = await pushTestImage(api.url, 'library/big', 'v1', TEST_ADMIN, { layers: 1, layerSize: 3 * CHUNK + 1000 });
    plain.clearRequests();
    const item = copyItem({ side: local, repository: 'library/big', digest: image.digest, tags: ['v1'] }, { side: remote(plainId), repository: 'mirror/big', tags: ['v1'] }, { copyByChunk: true });
    expect(await engine.copier.copy(item, copyContext())).toMatchObject({ action: 'copied', blobsSent: 2 });
    const requests = await plain.settledRequests();
    // the layer in 4 PATCHes (3 full chunks and the rest), the config in one
    expect(requests.filter((r) => r.method === 'PATCH' && r.status === 202)).toHaveLength(5);
    expect(await digestAt(plain, 'mirror/big:v1')).toBe(image.digest);
  });

  it('copies an index with all its children first', async () => {
    const index = await pushTestIndex(api.url, 'library/multi', 'm1', TEST_ADMIN);
    plain.clearRequests();
    const item = copyItem({ side: local, repository: 'library/multi', digest: index.digest, tags: ['m1'] }, { side: remote(plainId), repository: 'mirror/multi', tags: ['m1'] });
    expect(await engine.copier.copy(item, copyContext())).toMatchObject({ action: 'copied' });
    const puts = (await plain.settledRequests()).filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'));
    expect(puts.map((r) => r.path.split('/manifests/')[1])).toEqual([...index.images.map((i) => i.digest), 'm1']);
    expect(await digestAt(plain, 'mirror/multi:m1')).toBe(index.digest);
    for (const child of index.images) expect(await digestAt(plain, `mirror/multi@${child.digest}`)).toBe(child.digest);
  });

  it('copies an accessory (a signature whose subject is the image) after its subject', async () => {
    const image = await pushTestImage(api.url, 'library/signed', 's1', TEST_ADMIN, { layers: 1 });
    const client = new RegistryClient(api.url);
    const empty = await client.pushBlob('library/signed', Buffer.from('{}'));
    const payload = await client.pushBlob('library/signed', Buffer.from(`{"critical":{"image":{"docker-manifest-digest":"${image.digest}"}}}`));
    const signature = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        config: { ...empty, mediaType: 'application/vnd.oci.empty.v1+json' },
        layers: [{ ...payload, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }],
        subject: { mediaType: image.mediaType, digest: image.digest, size: image.manifest.length },
      }),
    );
    const pushed = await client.pushManifest('library/signed', sha256(signature), signature, 'application/vnd.oci.image.manifest.v1+json');
    expect(pushed.status).toBe(201);

    plain.clearRequests();
    const item = copyItem({ side: local, repository: 'library/signed', digest: image.digest, tags: ['s1'] }, { side: remote(plainId), repository: 'mirror/signed', tags: ['s1'] });
    const context = copyContext();
    expect(await engine.copier.copy(item, context)).toMatchObject({ action: 'copied' });
    const puts = (await plain.settledRequests()).filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'));
    expect(puts.map((r) => r.path.split('/manifests/')[1])).toEqual(['s1', sha256(signature)]);
    expect(await digestAt(plain, `mirror/signed@${sha256(signature)}`)).toBe(sha256(signature));
    expect(context.lines.join('\n')).toContain(`copying accessory ${sha256(signature)} of ${image.digest}`);
  });

  it('applies a deletion to the destination (the artifact; a tag alone is left, docker-registry cannot remove one)', async () => {
    const image = await pushTestImage(api.url, 'library/gone', 'g1', TEST_ADMIN, { layers: 1 });
    const source = { side: local, repository: 'library/gone', digest: image.digest, tags: ['g1'] };
    const destination = { side: remote(securedId), repository: 'mirror/gone', tags: ['g1'] };
    await engine.copier.copy(copyItem(source, destination), copyContext());
    expect(await headStatus(secured, '/v2/mirror/gone/manifests/g1', true)).toBe(200);

    const dry = copyContext({ dryRun: true });
    expect(await engine.copier.copy(copyItem(source, destination, { operation: 'delete' }), dry)).toMatchObject({ action: 'would-delete' });
    expect(await headStatus(secured, '/v2/mirror/gone/manifests/g1', true)).toBe(200);

    const tagOnly = copyContext();
    expect(await engine.copier.copy(copyItem(source, destination, { operation: 'delete', tagsOnly: true }), tagOnly)).toMatchObject({
      action: 'skipped',
      reason: 'the destination removes artifacts only, not a tag alone',
    });
    expect(await headStatus(secured, '/v2/mirror/gone/manifests/g1', true)).toBe(200);

    expect(await engine.copier.copy(copyItem(source, destination, { operation: 'delete' }), copyContext())).toMatchObject({ action: 'deleted' });
    expect(await headStatus(secured, '/v2/mirror/gone/manifests/g1', true)).toBe(404);
    expect(await headStatus(secured, `/v2/mirror/gone/manifests/${image.digest}`, true)).toBe(404);
  });

  it('a dry run decides and logs, and moves no byte', async () => {
    const image = await pushTestImage(api.url, 'library/dry', 'd1', TEST_ADMIN, { layers: 2 });
    plain.clearRequests();
    const context = copyContext({ dryRun: true });
    const item = copyItem({ side: local, repository: 'library/dry', digest: image.digest, tags: ['d1'] }, { side: remote(plainId), repository: 'mirror/dry', tags: ['d1'] });
    expect(await engine.copier.copy(item, context)).toMatchObject({ action: 'would-copy', bytesSent: 0, blobsSent: 0 });
    expect(context.lines).toEqual([`would copy local:library/dry@${image.digest} to plain:mirror/dry as d1`]);
    expect((await plain.settledRequests()).filter((r) => r.method !== 'HEAD')).toEqual([]);
    expect(await headStatus(plain, '/v2/mirror/dry/manifests/d1')).toBe(404);
  });

  it('does not push to a registry type that takes no pushes (github-ghcr), and sends it nothing', async () => {
    const ghcrId = await createEndpoint(api.url, 'ghcr-like', 'github-ghcr', plain.url);
    const image = await pushTestImage(api.url, 'library/nopush', 'v1', TEST_ADMIN, { layers: 1 });
    plain.clearRequests();
    const item = copyItem({ side: local, repository: 'library/nopush', digest: image.digest, tags: ['v1'] }, { side: remote(ghcrId), repository: 'mirror/nopush', tags: ['v1'] });
    await expect(engine.copier.copy(item, copyContext())).rejects.toThrow('a github-ghcr endpoint does not take pushes');
    expect(await plain.settledRequests()).toEqual([]);
  });

  it('retries blobs with backoff while the destination restarts, and logs each retry', async () => {
    const image = await pushTestImage(api.url, 'library/flaky', 'v1', TEST_ADMIN, { layers: 6, layerSize: 16 * 1024 });
    const item = copyItem({ side: local, repository: 'library/flaky', digest: image.digest, tags: ['v1'] }, { side: remote(plainId), repository: 'mirror/flaky', tags: ['v1'] }, { speedKiBps: 64 });
    let restarting: Promise<void> | undefined;
    // the first finished blob takes the registry down for a moment: the blobs in flight (slowed to
    // 64 KiB/s, so some are) and after fail, then retry
    const context = copyContext({ onSave: () => void (restarting ??= plain.kill().then(() => new Promise((r) => setTimeout(r, 150))).then(() => plain.restart())) });
    const outcome = await engine.copier.copy(item, context);
    await restarting;
    expect(outcome.action).toBe('copied');
    expect(context.lines.join('\n')).toMatch(/attempt 1 of 4 failed \(.*\); retrying in \d+ ms/);
    expect(await digestAt(plain, 'mirror/flaky:v1')).toBe(image.digest);
  });

  it('holds a copy to its speed limit (within 20 %)', async () => {
    const limitKiB = 256;
    const image = await pushTestImage(api.url, 'library/slow', 'v1', TEST_ADMIN, { layers: 2, layerSize: 384 * 1024 });
    const item = copyItem({ side: local, repository: 'library/slow', digest: image.digest, tags: ['v1'] }, { side: remote(plainId), repository: 'mirror/slow', tags: ['v1'] }, { speedKiBps: limitKiB });
    const started = process.hrtime.bigint();
    const outcome = await engine.copier.copy(item, copyContext());
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = outcome.bytesSent / 1024 / seconds;
    expect(outcome.bytesSent).toBeGreaterThanOrEqual(768 * 1024);
    expect(rate).toBeLessThanOrEqual(limitKiB * 1.2);
    expect(rate).toBeGreaterThanOrEqual(limitKiB * 0.8);
    expect(await digestAt(plain, 'mirror/slow:v1')).toBe(image.digest);
  });

  it('resumes a copy stopped mid-way without sending its finished blobs again', async () => {
    const image = await pushTestImage(api.url, 'library/resume', 'v1', TEST_ADMIN, { layers: 6, layerSize: 32 * 1024 });
    const item = copyItem({ side: local, repository: 'library/resume', digest: image.digest, tags: ['v1'] }, { side: remote(plainId), repository: 'mirror/resume', tags: ['v1'] }, { speedKiBps: 512 });
    const first = copyContext({ onSave: () => first.controller.abort(new Error('worker killed')) });
    await expect(engine.copier.copy(item, first)).rejects.toThrow();
    const finished = first.saved.blobs as string[];
    expect(finished.length).toBeGreaterThanOrEqual(1);
    expect(finished.length).toBeLessThan(7);
    expect(await headStatus(plain, '/v2/mirror/resume/manifests/v1')).toBe(404);

    plain.clearRequests();
    const resumed = copyContext({ progress: first.saved });
    const outcome = await engine.copier.copy(item, resumed);
    expect(outcome.action).toBe('copied');
    expect(outcome.blobsSent + outcome.blobsSkipped).toBe(7);
    expect(resumed.lines.join('\n')).toContain(`resuming: ${finished.length} blob(s) finished before are not sent again`);
    const requests = await plain.settledRequests();
    for (const digest of finished) {
      expect(requests.filter((r) => decodeURIComponent(r.path).includes(digest))).toEqual([]);
    }
    expect(await digestAt(plain, 'mirror/resume:v1')).toBe(image.digest);
  });
});
