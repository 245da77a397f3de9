import { rawManifestDigest, toolAvailable } from '../support/oci-layout';
import { callApi } from '../support/management-api';
import { TEST_ADMIN } from '../support/test-credentials';
import { pushTestImage, startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { copyContext, copyItem, createEndpoint, local, remote, startCopyEngine, type CopyEngine } from './copy-support';

const haveTools = toolAvailable('skopeo') && toolAvailable('docker-registry');

/**
 * The local side on S3 storage (the test RadosGW): blobs streamed out of the bucket to a
 * docker-registry in chunks, and in from it, each pulled back by skopeo with the same digest.
 */
(haveTools && s3Available() ? describe : describe.skip)('replication copy with S3 storage', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let engine: CopyEngine;
  let registry: UpstreamRegistryProcess;
  let registryId: number;

  beforeAll(async () => {
    environment = await createTestEnvironment('s3');
    api = await startApi(environment);
    engine = await startCopyEngine(environment, { REPLICATION_CHUNK_SIZE_BYTES: String(256 * 1024) });
    registry = await startUpstreamRegistry();
    registryId = await createEndpoint(api.url, 'target', 'docker-registry', registry.url);
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'pulled', metadata: { public: 'false' } } })).status).toBe(201);
  });

  afterAll(async () => {
    await engine?.close();
    await registry?.stop();
    await api?.close();
    await environment?.close();
  });

  it('copies out of and into a bucket', async () => {
    const image = await pushTestImage(api.url, 'library/s3app', 'v1', TEST_ADMIN, { layers: 2, layerSize: 600 * 1024 });
    const out = copyItem({ side: local, repository: 'library/s3app', digest: image.digest, tags: ['v1'] }, { side: remote(registryId), repository: 'mirror/s3app', tags: ['v1'] }, { copyByChunk: true });
    expect(await engine.copier.copy(out, copyContext())).toMatchObject({ action: 'copied', blobsSent: 3 });
    expect(await rawManifestDigest(`docker://127.0.0.1:${registry.port}/mirror/s3app:v1`, ['--tls-verify=false'])).toBe(image.digest);

    const theirs = await pushTestImage(registry.url, 'upstream/s3tool', 't1', null, { layers: 2, layerSize: 300 * 1024 });
    const into = copyItem({ side: remote(registryId), repository: 'upstream/s3tool', digest: theirs.digest, tags: ['t1'] }, { side: local, repository: 'pulled/s3tool', tags: ['t1'] });
    // its config is the same bytes as our image's, stored here already: linked once the source confirmed it has it
    expect(await engine.copier.copy(into, copyContext())).toMatchObject({ action: 'copied', blobsSent: 2, blobsMounted: 1 });
    const creds = ['--tls-verify=false', '--creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`];
    expect(await rawManifestDigest(`docker://${api.url.replace('http://', '')}/pulled/s3tool:t1`, creds)).toBe(theirs.digest);
  });
});
