import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callApi } from '../support/management-api';
import { rawManifestDigest, skopeo, toolAvailable } from '../support/oci-layout';
import { RegistryClient } from '../support/registry-client';
import { startSecondWharf, type SecondWharf } from '../support/second-wharf';
import { TEST_ADMIN } from '../support/test-credentials';
import { pushTestImage, startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { createProxyProject } from './proxy-support';

const haveTools = toolAvailable('skopeo') && toolAvailable('docker-registry') && toolAvailable('htpasswd');
if (!haveTools && process.env.CI) throw new Error('skopeo, docker-registry and htpasswd (apache2-utils) are required in CI');

/**
 * Upstreams that want credentials: the CNCF registry behind htpasswd (Basic), and a second
 * Wharf (docker token auth: the Bearer challenge), each pulled through a proxy project with skopeo.
 * Also the docker-hub type's name mapping (`<project>/nginx` -> `library/nginx`).
 */
(haveTools ? describe : describe.skip)('proxy cache with authenticated upstreams', () => {
  const upstreamUser = { username: 'puller', password: 'Puller-Secret-1' };
  let environment: TestEnvironment;
  let api: RunningApi;
  let basicUpstream: UpstreamRegistryProcess;
  let tokenUpstream: SecondWharf;
  let work: string;
  const wharfHost = () => api.url.replace('http://', '');
  const srcCreds = () => ['--src-tls-verify=false', '--src-creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`];

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    basicUpstream = await startUpstreamRegistry({ auth: upstreamUser });
    tokenUpstream = await startSecondWharf();
    work = mkdtempSync(join(tmpdir(), 'wharf-proxy-auth-'));
  });

  afterAll(async () => {
    await tokenUpstream?.close();
    await basicUpstream?.stop();
    await api?.close();
    await environment?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('pulls through an htpasswd-protected registry with the endpoint credential, and says so when the credential is wrong', async () => {
    const image = await pushTestImage(basicUpstream.url, 'team/app', 'v1', upstreamUser, { layers: 2 });
    await createProxyProject(api, 'basic', basicUpstream.url, { credential: { type: 'basic', access_key: upstreamUser.username, access_secret: upstreamUser.password } });
    await skopeo(['copy', ...srcCreds(), `docker://${wharfHost()}/basic/team/app:v1`, `dir:${join(work, 'basic')}`]);
    expect(await rawManifestDigest(`dir:${join(work, 'basic')}`)).toBe(image.digest);

    await createProxyProject(api, 'wrongpass', basicUpstream.url, { credential: { type: 'basic', access_key: upstreamUser.username, access_secret: 'not-the-password' } });
    const refused = await new RegistryClient(api.url).fetch('/v2/wrongpass/team/app/manifests/v1');
    expect(refused.status).toBe(502);
    const text = await refused.text();
    expect(text).toMatch(/refused the endpoint's credential/);
    expect(text).not.toContain('not-the-password');
  });

  it('pulls through another Wharf (docker token auth) from a private project', async () => {
    const admin = { username: 'admin', password: tokenUpstream.adminPassword };
    expect((await callApi(tokenUpstream.url, 'POST', '/projects', { auth: admin, body: { project_name: 'private', metadata: { public: 'false' } } })).status).toBe(201);
    const image = await pushTestImage(tokenUpstream.url, 'private/service', '1.0', admin, { layers: 2 });
    await createProxyProject(api, 'mirror', tokenUpstream.url, { type: 'harbor', credential: { type: 'basic', access_key: admin.username, access_secret: admin.password } });
    await skopeo(['copy', ...srcCreds(), `docker://${wharfHost()}/mirror/private/service:1.0`, `dir:${join(work, 'token')}`]);
    expect(await rawManifestDigest(`dir:${join(work, 'token')}`)).toBe(image.digest);

    // and from the cache once that upstream is gone
    await tokenUpstream.stop();
    try {
      await skopeo(['copy', ...srcCreds(), `docker://${wharfHost()}/mirror/private/service:1.0`, `dir:${join(work, 'token-offline')}`]);
      expect(await rawManifestDigest(`dir:${join(work, 'token-offline')}`)).toBe(image.digest);
    } finally {
      await tokenUpstream.start();
    }
  });

  it('maps one-segment names to library/ on a docker-hub endpoint', async () => {
    const image = await pushTestImage(basicUpstream.url, 'library/nginx', 'stable', upstreamUser, { layers: 1 });
    await createProxyProject(api, 'dockerhub', basicUpstream.url, {
      type: 'docker-hub',
      credential: { type: 'basic', access_key: upstreamUser.username, access_secret: upstreamUser.password },
    });
    await skopeo(['copy', ...srcCreds(), `docker://${wharfHost()}/dockerhub/nginx:stable`, `dir:${join(work, 'hub')}`]);
    expect(await rawManifestDigest(`dir:${join(work, 'hub')}`)).toBe(image.digest);
  });
});
