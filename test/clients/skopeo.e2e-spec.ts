import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImageLayout, buildMultiArchLayout, rawManifestDigest, skopeo, toolAvailable } from '../support/oci-layout';
import { TEST_ADMIN } from '../support/test-credentials';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type StorageKind, type TestEnvironment } from '../support/wharf-app';

const haveTools = toolAvailable('skopeo') && toolAvailable('umoci');
if (!haveTools && process.env.CI) throw new Error('skopeo and umoci are required in CI (apt-get install skopeo umoci)');
if (!haveTools) console.warn('skopeo client tests SKIPPED: install skopeo and umoci');
const kinds: StorageKind[] = s3Available() ? ['filesystem', 's3'] : ['filesystem'];

(haveTools ? describe.each(kinds) : describe.skip.each(kinds))('skopeo against Wharf on %s storage', (storage) => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let registry: string;
  let work: string;
  const noTls = ['--src-tls-verify=false', '--dest-tls-verify=false'];
  // pushes log in (token auth); pulls, list-tags and inspect of the public `library` project go anonymously
  const pushCreds = ['--dest-creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`];

  beforeAll(async () => {
    environment = await createTestEnvironment(storage);
    api = await startApi(environment);
    registry = api.url.replace('http://', '');
    work = mkdtempSync(join(tmpdir(), 'wharf-skopeo-'));
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('copies a multi-layer OCI image in and out with identical digests', async () => {
    const source = join(work, 'source');
    buildImageLayout(source, 'v1', 3);
    const sourceDigest = await rawManifestDigest(`oci:${source}:v1`);
    await skopeo(['copy', ...noTls, ...pushCreds, `oci:${source}:v1`, `docker://${registry}/library/layered:v1`]);
    expect(await rawManifestDigest(`docker://${registry}/library/layered:v1`, ['--tls-verify=false'])).toBe(sourceDigest);
    const copy = join(work, 'copy');
    await skopeo(['copy', ...noTls, `docker://${registry}/library/layered:v1`, `oci:${copy}:v1`]);
    expect(await rawManifestDigest(`oci:${copy}:v1`)).toBe(sourceDigest);
    const tags = JSON.parse(await skopeo(['list-tags', '--tls-verify=false', `docker://${registry}/library/layered`])) as { Tags: string[] };
    expect(tags.Tags).toEqual(['v1']);
  });

  it('copies a multi-arch index with --all and keeps its digest', async () => {
    const source = join(work, 'multi');
    const indexDigest = buildMultiArchLayout(source, 'multi');
    await skopeo(['copy', '--all', ...noTls, ...pushCreds, `oci:${source}:multi`, `docker://${registry}/library/multiarch:1`]);
    expect(await rawManifestDigest(`docker://${registry}/library/multiarch:1`, ['--tls-verify=false'])).toBe(indexDigest);
    const out = join(work, 'multi-out');
    await skopeo(['copy', '--all', ...noTls, `docker://${registry}/library/multiarch:1`, `oci:${out}:multi`]);
    expect(await rawManifestDigest(`oci:${out}:multi`)).toBe(indexDigest);
    const arm = JSON.parse(await skopeo(['inspect', '--tls-verify=false', '--override-arch', 'arm64', `docker://${registry}/library/multiarch:1`])) as { Architecture: string };
    expect(arm.Architecture).toBe('arm64');
  });
});
