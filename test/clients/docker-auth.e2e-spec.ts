/**
 * The "done when" for docker authentication, with the real docker client: `docker
 * login` (token auth through /service/token) as users and robots of different rights, then
 * push and pull. Each identity gets its own DOCKER_CONFIG, so their logins do not mix.
 */
import { MemberService, ProjectRole, RobotService, UserService } from '@wharf/iam';
import { ProjectService } from '@wharf/projects';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildBusyboxImage } from '../support/busybox-image';
import { docker, ensureDocker, type DockerResult } from '../support/docker-env';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const dockerHost = ensureDocker();

(dockerHost ? describe : describe.skip)('docker login, push and pull with users and robots', () => {
  const host = dockerHost as string;
  const password = 'Docker-Auth-Test-1';
  let environment: TestEnvironment;
  let api: RunningApi;
  let registry: string;
  let configs: string;
  let source: string;
  const robots: Record<string, Credentials> = {};

  /** docker as one identity: its own client config directory */
  const as = (who: string, args: string[], options: { input?: string } = {}): Promise<DockerResult> =>
    docker(host, args, { ...options, allowFailure: true, env: { DOCKER_CONFIG: join(configs, who) } });
  const login = (who: string, credentials: Credentials) =>
    as(who, ['login', '-u', credentials.username, '--password-stdin', registry], { input: credentials.password });

  beforeAll(async () => {
    environment = await createTestEnvironment(s3Available() ? 's3' : 'filesystem');
    api = await startApi(environment);
    registry = api.url.replace('http://', '');
    configs = mkdtempSync(join(tmpdir(), 'wharf-docker-auth-'));

    const users = api.app.get(UserService);
    const members = api.app.get(MemberService);
    const projects = api.app.get(ProjectService);
    const admin = (await users.findByName('admin'))!;
    const team = await projects.create({ project_name: 'team', public: false }, admin.user_id);
    await projects.create({ project_name: 'open', public: true }, admin.user_id);
    for (const [name, role] of [['dev', ProjectRole.Developer], ['guest', ProjectRole.Guest]] as const) {
      const user = await users.create({ username: name, password, email: `${name}@example.com` });
      await members.add(team.project_id, user.user_id, role);
    }
    const robotService = api.app.get(RobotService);
    const pullOnly = await robotService.create(
      { name: 'puller', level: 'project', project: { id: team.project_id, name: 'team' }, duration: -1, permissions: [{ kind: 'project', namespace: 'team', access: [{ resource: 'repository', action: 'pull' }] }] },
      'admin',
    );
    robots.puller = { username: pullOnly.robot.name, password: pullOnly.secret };
    for (const name of ['disabled', 'expired']) {
      const created = await robotService.create(
        { name, level: 'system', duration: 30, disable: name === 'disabled', permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] },
        'admin',
      );
      robots[name] = { username: created.robot.name, password: created.secret };
    }
    const db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    await db.query(`UPDATE robot SET expires_at = now() - interval '1 minute' WHERE name = 'robot$expired'`);
    await db.end();

    // one image, built once, pushed by the admin into both projects
    source = `wharf-auth-source:${process.pid}`;
    await buildBusyboxImage(host, source, { files: { 'etc/wharf': `auth ${Date.now()}\n` } });
    expect((await login('admin', TEST_ADMIN)).code).toBe(0);
    for (const target of [`${registry}/team/base:1`, `${registry}/open/base:1`]) {
      await as('admin', ['tag', source, target]);
      const push = await as('admin', ['push', target]);
      expect(push.code).toBe(0);
    }
  });

  afterAll(async () => {
    if (dockerHost && registry) {
      const images = ['team/base:1', 'open/base:1', 'team/dev:1', 'team/guest:1', 'team/puller:1'].map((i) => `${registry}/${i}`);
      await docker(host, ['rmi', '-f', source, ...images], { allowFailure: true });
    }
    await api?.close();
    await environment?.close();
    if (configs) rmSync(configs, { recursive: true, force: true });
  });

  const removeLocal = (image: string) => docker(host, ['rmi', '-f', image], { allowFailure: true });

  it('lets a developer log in, push and pull', async () => {
    expect((await login('dev', { username: 'dev', password })).code).toBe(0);
    const image = `${registry}/team/dev:1`;
    await as('dev', ['tag', source, image]);
    const push = await as('dev', ['push', image]);
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    await removeLocal(image);
    const pull = await as('dev', ['pull', image]);
    expect(pull.code).toBe(0);
  });

  it('refuses a guest push but lets the guest pull', async () => {
    expect((await login('guest', { username: 'guest', password })).code).toBe(0);
    const image = `${registry}/team/guest:1`;
    await as('guest', ['tag', source, image]);
    const push = await as('guest', ['push', image]);
    expect(push.code).not.toBe(0);
    expect(push.stderr + push.stdout).toMatch(/denied|unauthorized/i);
    await removeLocal(`${registry}/team/base:1`);
    expect((await as('guest', ['pull', `${registry}/team/base:1`])).code).toBe(0);
  });

  it('lets anyone pull from a public project without logging in, and refuses a private one', async () => {
    await removeLocal(`${registry}/open/base:1`);
    await removeLocal(`${registry}/team/base:1`);
    const publicPull = await as('nobody', ['pull', `${registry}/open/base:1`]);
    expect(publicPull.code).toBe(0);
    const privatePull = await as('nobody', ['pull', `${registry}/team/base:1`]);
    expect(privatePull.code).not.toBe(0);
    expect(privatePull.stderr).toMatch(/unauthorized|denied|not found/i);
    const anonymousPush = await as('nobody', ['push', `${registry}/open/base:1`]);
    expect(anonymousPush.code).not.toBe(0);
  });

  it('lets a pull-only robot pull but not push', async () => {
    expect((await login('puller', robots.puller)).code).toBe(0);
    await removeLocal(`${registry}/team/base:1`);
    expect((await as('puller', ['pull', `${registry}/team/base:1`])).code).toBe(0);
    const image = `${registry}/team/puller:1`;
    await as('puller', ['tag', source, image]);
    const push = await as('puller', ['push', image]);
    expect(push.code).not.toBe(0);
    expect(push.stderr + push.stdout).toMatch(/denied|unauthorized/i);
  });

  it('refuses the login of a disabled or an expired robot, and of a wrong password', async () => {
    for (const name of ['disabled', 'expired']) {
      const result = await login(name, robots[name]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/unauthorized|401/i);
    }
    const wrong = await login('wrong', { username: 'dev', password: 'not-the-password-1A' });
    expect(wrong.code).not.toBe(0);
  });
});
