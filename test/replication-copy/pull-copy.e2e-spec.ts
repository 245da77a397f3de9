import { Client } from 'pg';
import { rawManifestDigest, toolAvailable } from '../support/oci-layout';
import { callApi } from '../support/management-api';
import { startSecondWharf, type SecondWharf } from '../support/second-wharf';
import { RegistryClient, sha256 } from '../support/registry-client';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { pushTestImage, pushTestIndex, startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { copyContext, copyItem, createEndpoint, local, remote, startCopyEngine, type CopyEngine } from './copy-support';

const haveTools = toolAvailable('skopeo') && toolAvailable('docker-registry') && toolAvailable('htpasswd');
if (!haveTools && process.env.CI) throw new Error('skopeo, docker-registry and htpasswd (apache2-utils) are required in CI');

/**
 * Pull-based copies into this Wharf (from docker-registry, with and without htpasswd; from a
 * second Wharf as a harbor endpoint) and Wharf -> Wharf pushes, through the ArtifactCopier:
 * content lands through the artifact commands and BlobStore, charged to the project's quota,
 * and skopeo pulls it back with the source's digests. Also the remote catalog of both types.
 */
(haveTools ? describe : describe.skip)('replication copy: into Wharf, and Wharf to Wharf', () => {
  const user = { username: 'reader', password: 'Reader-Secret-1' };
  let environment: TestEnvironment;
  let api: RunningApi;
  let engine: CopyEngine;
  let secured: UpstreamRegistryProcess;
  let plain: UpstreamRegistryProcess;
  let second: SecondWharf;
  let securedId: number;
  let plainId: number;
  let secondId: number;
  let db: Client;

  const wharfDigest = (url: string, reference: string) =>
    rawManifestDigest(`docker://${url.replace('http://', '')}/${reference}`, ['--tls-verify=false', '--creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`]);
  const storageUsed = async (project: string) => Number((await db.query(`SELECT storage_used FROM project WHERE name = $1`, [project])).rows[0].storage_used);

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    engine = await startCopyEngine(environment);
    secured = await startUpstreamRegistry({ auth: user });
    plain = await startUpstreamRegistry();
    second = await startSecondWharf();
    securedId = await createEndpoint(api.url, 'secured', 'docker-registry', secured.url, user);
    plainId = await createEndpoint(api.url, 'plain', 'docker-registry', plain.url);
    secondId = await createEndpoint(api.url, 'second', 'harbor', second.url, TEST_ADMIN);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'pulled', metadata: { public: 'false' } } })).status).toBe(201);
  });

  afterAll(async () => {
    await db?.end();
    await engine?.close();
    await second?.close();
    await secured?.stop();
    await plain?.stop();
    await api?.close();
    await environment?.close();
  });

  it('pulls an image from an htpasswd docker-registry into a project, charging its quota; skopeo gets the same digest', async () => {
    const image = await pushTestImage(secured.url, 'upstream/tool', 't1', user, { layers: 2, layerSize: 4096 });
    const before = await storageUsed('pulled');
    const item = copyItem({ side: remote(securedId), repository: 'upstream/tool', digest: image.digest, tags: ['t1'] }, { side: local, repository: 'pulled/tool', tags: ['t1'] });
    expect(await engine.copier.copy(item, copyContext())).toMatchObject({ action: 'copied', blobsSent: 3 });
    expect(await wharfDigest(api.url, 'pulled/tool:t1')).toBe(image.digest);
    const blobBytes = [...image.blobs.values()].reduce((sum, b) => sum + b.length, 0);
    expect(await storageUsed('pulled')).toBe(before + blobBytes + image.manifest.length);

    secured.clearRequests();
    expect(await engine.copier.copy(item, copyContext())).toMatchObject({ action: 'skipped', reason: 'same digest at destination' });
    // nothing asked of the source when the destination already has it (beyond the manifest the item names)
    expect((await secured.settledRequests()).filter((r) => r.path.includes('/blobs/'))).toEqual([]);
  });

  it('pulls an index with its children from an open docker-registry', async () => {
    const index = await pushTestIndex(plain.url, 'upstream/multi', 'm1');
    const item = copyItem({ side: remote(plainId), repository: 'upstream/multi', digest: index.digest, tags: ['m1'] }, { side: local, repository: 'pulled/multi', tags: ['m1'] });
    expect(await engine.copier.copy(item, copyContext())).toMatchObject({ action: 'copied' });
    expect(await wharfDigest(api.url, 'pulled/multi:m1')).toBe(index.digest);
    for (const child of index.images) expect(await wharfDigest(api.url, `pulled/multi@${child.digest}`)).toBe(child.digest);
  });

  it('lists a docker-registry catalog and its artifacts by digest with their tags', async () => {
    const image = await pushTestImage(plain.url, 'upstream/listed', 'a', null, { layers: 1 });
    expect((await pushTestImage(plain.url, 'upstream/listed', 'b', null, { layers: 1 })).digest).not.toBe(image.digest);
    expect(await engine.catalog.repositories(plainId)).toEqual(expect.arrayContaining(['upstream/listed', 'upstream/multi']));
    const artifacts = await engine.catalog.artifacts(plainId, 'upstream/listed');
    expect(artifacts).toHaveLength(2);
    expect(artifacts.find((a) => a.digest === image.digest)).toMatchObject({ repository: 'upstream/listed', tags: ['a'], mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  });

  it('pushes Wharf to Wharf (harbor type), lists it through Harbor\'s API, pulls it back, and deletes a tag alone', async () => {
    const image = await pushTestImage(api.url, 'library/app', 'v1', TEST_ADMIN, { layers: 2 });
    const push = copyItem({ side: local, repository: 'library/app', digest: image.digest, tags: ['v1', 'stable'] }, { side: remote(secondId), repository: 'library/app', tags: ['v1', 'stable'] });
    expect(await engine.copier.copy(push, copyContext())).toMatchObject({ action: 'copied', blobsSent: 3 });
    expect(await wharfDigest(second.url, 'library/app:v1')).toBe(image.digest);

    expect(await engine.catalog.repositories(secondId)).toContain('library/app');
    const [listed] = await engine.catalog.artifacts(secondId, 'library/app');
    expect(listed).toMatchObject({ digest: image.digest, repository: 'library/app' });
    expect([...listed.tags].sort()).toEqual(['stable', 'v1']);

    // back from the second Wharf into another project here
    const pull = copyItem({ side: remote(secondId), repository: 'library/app', digest: image.digest, tags: ['v1'] }, { side: local, repository: 'pulled/app', tags: ['v1'] });
    expect(await engine.copier.copy(pull, copyContext())).toMatchObject({ action: 'copied' });
    expect(await wharfDigest(api.url, 'pulled/app:v1')).toBe(image.digest);

    const untag = copyItem({ side: local, repository: 'library/app', digest: image.digest, tags: ['stable'] }, { side: remote(secondId), repository: 'library/app', tags: ['stable'] }, { operation: 'delete', tagsOnly: true });
    expect(await engine.copier.copy(untag, copyContext())).toMatchObject({ action: 'deleted' });
    const [after] = await engine.catalog.artifacts(secondId, 'library/app');
    expect(after).toMatchObject({ digest: image.digest, tags: ['v1'] });
  });

  it('brings an accessory found through the source\'s referrers API after its subject (Wharf to Wharf, pull-based)', async () => {
    const image = await pushTestImage(second.url, 'library/signed', 's1', TEST_ADMIN, { layers: 1 });
    const client = new RegistryClient(second.url);
    const empty = await client.pushBlob('library/signed', Buffer.from('{}'));
    const sbom = await client.pushBlob('library/signed', Buffer.from('{"spdxVersion":"SPDX-2.3"}'));
    const accessory = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/spdx+json',
        config: { ...empty, mediaType: 'application/vnd.oci.empty.v1+json' },
        layers: [{ ...sbom, mediaType: 'application/spdx+json' }],
        subject: { mediaType: image.mediaType, digest: image.digest, size: image.manifest.length },
      }),
    );
    expect((await client.pushManifest('library/signed', sha256(accessory), accessory, 'application/vnd.oci.image.manifest.v1+json')).status).toBe(201);

    const item = copyItem({ side: remote(secondId), repository: 'library/signed', digest: image.digest, tags: ['s1'] }, { side: local, repository: 'pulled/signed', tags: ['s1'] });
    const context = copyContext();
    expect(await engine.copier.copy(item, context)).toMatchObject({ action: 'copied' });
    expect(await wharfDigest(api.url, `pulled/signed@${sha256(accessory)}`)).toBe(sha256(accessory));
    const referrers = await fetch(`${api.url}/v2/pulled/signed/referrers/${image.digest}`, { headers: { authorization: basicAuth(TEST_ADMIN) } });
    expect(((await referrers.json()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest)).toEqual([sha256(accessory)]);
  });

  it('refuses to write into a proxy-cache project before storing a byte', async () => {
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'cached', registry_id: plainId, metadata: { public: 'false' } } })).status).toBe(201);
    const image = await pushTestImage(plain.url, 'upstream/cached', 'c1', null, { layers: 1, layerSize: 8192 });
    const item = copyItem({ side: remote(plainId), repository: 'upstream/cached', digest: image.digest, tags: ['c1'] }, { side: local, repository: 'cached/tool', tags: ['c1'] });
    await expect(engine.copier.copy(item, copyContext())).rejects.toThrow('is a proxy cache');
    expect(await storageUsed('cached')).toBe(0);
  });

  it('deletes a tag alone, then the artifact, in this Wharf (replicate_deletion into a pull-based destination)', async () => {
    const image = await pushTestImage(plain.url, 'upstream/doomed', 'x1', null, { layers: 1 });
    const source = { side: remote(plainId), repository: 'upstream/doomed', digest: image.digest, tags: ['x1'] };
    await engine.copier.copy(copyItem(source, { side: local, repository: 'pulled/doomed', tags: ['x1', 'x2'] }), copyContext());
    expect(await engine.copier.copy(copyItem(source, { side: local, repository: 'pulled/doomed', tags: ['x1'] }, { operation: 'delete', tagsOnly: true }), copyContext())).toMatchObject({ action: 'deleted' });
    await expect(wharfDigest(api.url, 'pulled/doomed:x1')).rejects.toThrow();
    expect(await wharfDigest(api.url, 'pulled/doomed:x2')).toBe(image.digest);

    // then the artifact itself (an artifact delete), its other tag with it
    expect(await engine.copier.copy(copyItem(source, { side: local, repository: 'pulled/doomed', tags: ['x2'] }, { operation: 'delete' }), copyContext())).toMatchObject({ action: 'deleted' });
    await expect(wharfDigest(api.url, `pulled/doomed@${image.digest}`)).rejects.toThrow();
  });
});
