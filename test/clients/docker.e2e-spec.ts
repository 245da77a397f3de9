/**
 * The real docker engine pushes, pulls and runs a FROM-scratch busybox image through Wharf
 * (docker treats 127.0.0.1 registries as insecure-allowed, so plain HTTP works).
 */
import { buildBusyboxImage } from '../support/busybox-image';
import { docker, ensureDocker } from '../support/docker-env';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN } from '../support/test-credentials';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const dockerHost = ensureDocker();

(dockerHost ? describe : describe.skip)('docker push / pull / run through Wharf', () => {
  const host = dockerHost as string;
  let environment: TestEnvironment;
  let api: RunningApi;
  let image: string;

  beforeAll(async () => {
    environment = await createTestEnvironment(s3Available() ? 's3' : 'filesystem');
    api = await startApi(environment);
    const registry = api.url.replace('http://', '');
    image = `${registry}/library/busybox:${process.pid}`;
    await docker(host, ['login', '-u', TEST_ADMIN.username, '--password-stdin', registry], { input: TEST_ADMIN.password });
  });

  afterAll(async () => {
    await docker(host, ['rmi', '-f', image], { allowFailure: true });
    if (api) await docker(host, ['logout', api.url.replace('http://', '')], { allowFailure: true });
    await api?.close();
    await environment?.close();
  });

  it('pushes an image docker built, pulls it back after removing it locally, and runs it', async () => {
    await buildBusyboxImage(host, image, { files: { 'etc/wharf': `pushed ${Date.now()}\n` } });
    const push = await docker(host, ['push', image]);
    const pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    expect(pushedDigest).toBeDefined();

    const manifest = await new RegistryClient(api.url).fetch(`/v2/library/busybox/manifests/${process.pid}`, { method: 'HEAD' });
    expect(manifest.headers.get('docker-content-digest')).toBe(pushedDigest);

    await docker(host, ['rmi', '-f', image]);
    const pull = await docker(host, ['pull', image]);
    expect(pull.stdout).toContain(pushedDigest);
    const run = await docker(host, ['run', '--rm', '--network', 'none', image, 'cat', '/etc/wharf']);
    expect(run.stdout).toMatch(/^pushed \d+/);
  });

  it('pushes a second tag of the same image by mounting nothing new', async () => {
    const second = image.replace(/:\d+$/, ':again');
    await docker(host, ['tag', image, second]);
    const push = await docker(host, ['push', second]);
    expect(push.stdout).toMatch(/Layer already exists|digest: sha256/);
    await docker(host, ['rmi', '-f', second], { allowFailure: true });
  });
});
