/**
 * The real docker client pulls through a proxy-cache project: a FROM-scratch busybox image
 * pushed by docker to a CNCF docker-registry upstream is pulled through Wharf and run; with the
 * upstream stopped, the same pull is served from Wharf's cache. (docker treats registries on
 * 127.0.0.1 as insecure-allowed, so both registries are plain HTTP.)
 */
import { buildBusyboxImage } from '../support/busybox-image';
import { docker, ensureDocker } from '../support/docker-env';
import { toolAvailable } from '../support/oci-layout';
import { TEST_ADMIN } from '../support/test-credentials';
import { startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { createProxyProject } from './proxy-support';

const dockerHost = ensureDocker();
const haveUpstream = toolAvailable('docker-registry');
if (!haveUpstream && process.env.CI) throw new Error('docker-registry (the upstream) is required in CI');

(dockerHost && haveUpstream ? describe : describe.skip)('docker pull through a proxy-cache project', () => {
  const host = dockerHost as string;
  const tag = String(process.pid);
  const marker = `cached through Wharf ${Date.now()}`;
  let environment: TestEnvironment;
  let api: RunningApi;
  let upstream: UpstreamRegistryProcess;
  let wharfRegistry: string;
  let upstreamImage: string;
  let proxiedImage: string;

  beforeAll(async () => {
    environment = await createTestEnvironment(s3Available() ? 's3' : 'filesystem', { PROXY_UPSTREAM_TIMEOUT_SECONDS: '3' });
    api = await startApi(environment);
    upstream = await startUpstreamRegistry();
    await createProxyProject(api, 'docker-cache', upstream.url);
    wharfRegistry = api.url.replace('http://', '');
    upstreamImage = `${upstream.url.replace('http://', '')}/library/busybox:${tag}`;
    proxiedImage = `${wharfRegistry}/docker-cache/library/busybox:${tag}`;
    await docker(host, ['login', '-u', TEST_ADMIN.username, '--password-stdin', wharfRegistry], { input: TEST_ADMIN.password });
  });

  afterAll(async () => {
    await docker(host, ['rmi', '-f', upstreamImage, proxiedImage], { allowFailure: true });
    if (wharfRegistry) await docker(host, ['logout', wharfRegistry], { allowFailure: true });
    await upstream?.stop();
    await api?.close();
    await environment?.close();
  });

  it('pulls and runs an image from the upstream, then again from the cache with the upstream stopped', async () => {
    await buildBusyboxImage(host, upstreamImage, { files: { 'etc/wharf-proxy': `${marker}\n` } });
    const push = await docker(host, ['push', upstreamImage]);
    const pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    expect(pushedDigest).toBeDefined();
    // without the local copy, docker has to download every layer through Wharf
    await docker(host, ['rmi', '-f', upstreamImage]);

    const cold = await docker(host, ['pull', proxiedImage]);
    expect(cold.stdout).toContain(`Digest: ${pushedDigest}`);
    const firstRun = await docker(host, ['run', '--rm', '--network', 'none', proxiedImage, 'cat', '/etc/wharf-proxy']);
    expect(firstRun.stdout.trim()).toBe(marker);

    // the port now refuses connections: Wharf's upstream check fails at once and the cache answers
    await upstream.kill();
    await docker(host, ['rmi', '-f', proxiedImage]);
    const cached = await docker(host, ['pull', proxiedImage]);
    expect(cached.stdout).toContain(`Digest: ${pushedDigest}`);
    const secondRun = await docker(host, ['run', '--rm', '--network', 'none', proxiedImage, 'cat', '/etc/wharf-proxy']);
    expect(secondRun.stdout.trim()).toBe(marker);
  });
});
