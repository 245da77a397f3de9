/**
 * Docker's token dance against a real api process, with the real docker client: a user who
 * pulled (a token with pull) pushes to the same repository, and to another project's repository
 * from layers it pulled elsewhere (a cross-repository mount); a guest's push ends in `denied`
 * (403), not in a loop of challenges. The api's access log shows what docker was answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { buildBusyboxImage } from '../support/busybox-image';
import { docker, ensureDocker, type DockerResult } from '../support/docker-env';
import { callApi } from '../support/management-api';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';

const dockerHost = ensureDocker();

interface AccessLine {
  msg?: string;
  user?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
}

(dockerHost ? describe : describe.skip)('docker token scopes: pull, then push with a wider token', () => {
  const host = dockerHost as string;
  const dev: Credentials = { username: 'scope-dev', password: 'Scope-Dev-Test-1' };
  const guest: Credentials = { username: 'scope-guest', password: 'Scope-Guest-Test-1' };
  let environment: TestEnvironment;
  let api: ApiProcess;
  let registry: string;
  let configs: string;
  let source: string;

  const as = (who: string, args: string[], options: { input?: string } = {}): Promise<DockerResult> =>
    docker(host, args, { ...options, allowFailure: true, env: { DOCKER_CONFIG: join(configs, who) } });
  const login = (who: string, credentials: Credentials) => as(who, ['login', '-u', credentials.username, '--password-stdin', registry], { input: credentials.password });
  const accessLines = (): AccessLine[] =>
    api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AccessLine)
      .filter((l) => l.msg === 'request completed' && l.req?.url?.startsWith('/v2/'));

  /** the access lines matching `match`, once there is one (they reach the api's stdout a moment after docker is answered) */
  const linesWhen = async (match: (l: AccessLine) => boolean): Promise<AccessLine[]> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = accessLines().filter(match);
      if (found.length || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApiProcess({ ...environment.env, LOG_LEVEL: 'info' });
    registry = api.url.replace('http://', '');
    configs = mkdtempSync(join(tmpdir(), 'wharf-docker-scopes-'));
    for (const project of [{ project_name: 'team' }, { project_name: 'dest' }, { project_name: 'open', public: true }]) expect((await callApi(api.url, 'POST', '/projects', { body: project })).status).toBe(201);
    for (const [user, role] of [[dev, 2], [guest, 3]] as const) {
      expect((await callApi(api.url, 'POST', '/users', { body: { username: user.username, password: user.password, email: `${user.username}@example.com`, realname: user.username } })).status).toBe(201);
      for (const project of ['team', 'dest']) expect((await callApi(api.url, 'POST', `/projects/${project}/members`, { body: { role_id: role, member_user: { username: user.username } } })).status).toBe(201);
    }
    source = `wharf-scopes-source:${process.pid}`;
    await buildBusyboxImage(host, source, { files: { 'etc/wharf': `scopes ${Date.now()}\n` } });
    expect((await login('admin', TEST_ADMIN)).code).toBe(0);
    for (const target of [`${registry}/team/base:1`, `${registry}/open/base:1`]) {
      await as('admin', ['tag', source, target]);
      expect((await as('admin', ['push', target])).code).toBe(0);
    }
  });

  afterAll(async () => {
    if (dockerHost && registry) {
      const images = ['team/base:1', 'team/base:2', 'open/base:1', 'dest/copy:1', 'team/guest:1'].map((i) => `${registry}/${i}`);
      await docker(host, ['rmi', '-f', source, ...images], { allowFailure: true });
    }
    await api?.stop();
    await environment?.close();
    if (configs) rmSync(configs, { recursive: true, force: true });
  });

  it('pulls with a pull token, then pushes to the same repository', async () => {
    expect((await login('dev', dev)).code).toBe(0);
    await docker(host, ['rmi', '-f', `${registry}/team/base:1`], { allowFailure: true });
    expect((await as('dev', ['pull', `${registry}/team/base:1`])).code).toBe(0);
    await as('dev', ['tag', `${registry}/team/base:1`, `${registry}/team/base:2`]);
    const push = await as('dev', ['push', `${registry}/team/base:2`]);
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    const pushed = await linesWhen((l) => l.user === dev.username && l.req?.method === 'PUT' && l.req.url === '/v2/team/base/manifests/2');
    expect(pushed.map((l) => l.res?.statusCode)).toEqual([201]);
  });

  it("pushes layers pulled from another project's repository (a mount, with the source's pull scope)", async () => {
    await docker(host, ['rmi', '-f', `${registry}/open/base:1`], { allowFailure: true });
    expect((await as('dev', ['pull', `${registry}/open/base:1`])).code).toBe(0);
    await as('dev', ['tag', `${registry}/open/base:1`, `${registry}/dest/copy:1`]);
    const push = await as('dev', ['push', `${registry}/dest/copy:1`]);
    expect(push.code).toBe(0);
    expect(push.stdout).toMatch(/Mounted from (team|open)\/base/);
    const mounts = await linesWhen((l) => l.user === dev.username && l.req?.method === 'POST' && l.req.url === '/v2/dest/copy/blobs/uploads/');
    expect(mounts.map((l) => l.res?.statusCode)).toContain(201);
  });

  it("ends a guest's push in denied (403), after one token with what the guest holds", async () => {
    expect((await login('guest', guest)).code).toBe(0);
    await as('guest', ['tag', source, `${registry}/team/guest:1`]);
    const push = await as('guest', ['push', `${registry}/team/guest:1`]);
    expect(push.code).not.toBe(0);
    expect(push.stderr + push.stdout).toMatch(/denied: requested access to the resource is denied/);
    // what it may do (HEAD of blobs: pull) is answered; every write is denied, none challenged
    const writes = await linesWhen((l) => l.user === guest.username && !!l.req?.url?.startsWith('/v2/team/guest/') && ['POST', 'PUT', 'PATCH'].includes(l.req.method ?? ''));
    expect(writes.map((l) => l.res?.statusCode).filter((status) => status !== 403)).toEqual([]);
  });
});
