/**
 * Every role against every /v2 action, twice: with Basic credentials on /v2, and the docker
 * way (a token from /service/token, its scopes reduced to the caller's rights). The project is
 * private; a public one is checked for anonymous pulls separately.
 */
import { MemberService, ProjectRole, RobotService, UserService, type RobotAccess } from '@wharf/iam';
import { ProjectService } from '@wharf/projects';
import { RegistryClient, sha256 } from '../support/registry-client';
import { basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

type Action = 'pull' | 'push' | 'delete';
type Outcome = 'ok' | 401 | 403;

interface Caller {
  name: string;
  credentials: Credentials | null;
  expect: Record<Action, Outcome>;
}

const PASSWORD = 'Matrix-Test-Pass-1';
const all = (outcome: Outcome): Record<Action, Outcome> => ({ pull: outcome, push: outcome, delete: outcome });

describe('/v2 permission matrix', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  const callers: Caller[] = [];
  let admin: RegistryClient;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
    admin = new RegistryClient(api.url);
    const users = api.app.get(UserService);
    const members = api.app.get(MemberService);
    const projects = api.app.get(ProjectService);
    const robots = api.app.get(RobotService);
    const owner = (await users.findByName('admin'))!;
    const project = await projects.create({ project_name: 'matrix', public: false }, owner.user_id);
    await projects.create({ project_name: 'elsewhere', public: false }, owner.user_id);

    const user = async (name: string, role?: (typeof ProjectRole)[keyof typeof ProjectRole], sysadmin = false): Promise<Credentials> => {
      const created = await users.create({ username: name, password: PASSWORD, email: `${name}@example.com` }, { sysadmin });
      if (role) await members.add(project.project_id, created.user_id, role);
      return { username: name, password: PASSWORD };
    };
    const robot = async (name: string, namespace: string, access: RobotAccess[]): Promise<Credentials> => {
      const created = await robots.create({ name, level: 'system', duration: -1, permissions: [{ kind: 'project', namespace, access }] }, 'admin');
      return { username: created.robot.name, password: created.secret };
    };
    const projectRobot = async (name: string, access: RobotAccess[]): Promise<Credentials> => {
      const created = await robots.create({ name, level: 'project', project: { id: project.project_id, name: 'matrix' }, duration: -1, permissions: [{ kind: 'project', namespace: 'matrix', access }] }, 'admin');
      return { username: created.robot.name, password: created.secret };
    };
    const managementOnly: RobotAccess[] = ['project:read', 'repository:list', 'repository:read', 'artifact:list', 'robot:create', 'member:create'].map((pair) => ({ resource: pair.split(':')[0], action: pair.split(':')[1] }));

    callers.push(
      { name: 'anonymous', credentials: null, expect: all(401) },
      { name: 'non-member', credentials: await user('outsider'), expect: all(403) },
      { name: 'limitedGuest', credentials: await user('limited', ProjectRole.LimitedGuest), expect: { pull: 'ok', push: 403, delete: 403 } },
      { name: 'guest', credentials: await user('guest', ProjectRole.Guest), expect: { pull: 'ok', push: 403, delete: 403 } },
      { name: 'developer', credentials: await user('developer', ProjectRole.Developer), expect: { pull: 'ok', push: 'ok', delete: 403 } },
      { name: 'maintainer', credentials: await user('maintainer', ProjectRole.Maintainer), expect: all('ok') },
      { name: 'projectAdmin', credentials: await user('padmin', ProjectRole.ProjectAdmin), expect: all('ok') },
      { name: 'system admin', credentials: await user('sysadmin2', undefined, true), expect: all('ok') },
      { name: 'robot with pull', credentials: await robot('pull', 'matrix', [{ resource: 'repository', action: 'pull' }]), expect: { pull: 'ok', push: 403, delete: 403 } },
      { name: 'robot with push', credentials: await robot('push', 'matrix', [{ resource: 'repository', action: 'push' }]), expect: { pull: 403, push: 'ok', delete: 403 } },
      { name: 'robot with delete', credentials: await robot('delete', 'matrix', [{ resource: 'repository', action: 'delete' }]), expect: { pull: 403, push: 403, delete: 'ok' } },
      { name: 'robot with every registry right', credentials: await robot('every', 'matrix', ['pull', 'push', 'delete'].map((action) => ({ resource: 'repository', action }))), expect: all('ok') },
      { name: 'robot for another project', credentials: await robot('other', 'elsewhere', ['pull', 'push', 'delete'].map((action) => ({ resource: 'repository', action }))), expect: all(403) },
      { name: 'robot for every project', credentials: await robot('star', '*', [{ resource: 'repository', action: 'pull' }]), expect: { pull: 'ok', push: 403, delete: 403 } },
      { name: 'robot with management rights only', credentials: await robot('manager', 'matrix', managementOnly), expect: all(403) },
      { name: 'project robot with pull', credentials: await projectRobot('pull', [{ resource: 'repository', action: 'pull' }]), expect: { pull: 'ok', push: 403, delete: 403 } },
      { name: 'project robot with pull and push', credentials: await projectRobot('push', ['pull', 'push'].map((action) => ({ resource: 'repository', action }))), expect: { pull: 'ok', push: 'ok', delete: 403 } },
      { name: 'project robot with management rights only', credentials: await projectRobot('manager', managementOnly), expect: all(403) },
    );
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  /** A fresh image for each probe, so a delete never takes away what another probe needs. */
  async function seed(tag: string): Promise<string> {
    return (await admin.pushImage('matrix/app', tag, { layers: 1 })).digest;
  }

  /** Performs `action` as the caller, with `authorization` as the header (or none); returns the status. */
  async function perform(action: Action, authorization: string | undefined, tag: string): Promise<number> {
    const client = new RegistryClient(api.url, null);
    const headers = authorization ? { authorization } : undefined;
    if (action === 'pull') {
      const response = await client.fetch(`/v2/matrix/app/manifests/${tag}`, { headers });
      await response.arrayBuffer();
      return response.status;
    }
    if (action === 'push') {
      const blob = Buffer.from(`blob for ${tag} ${Math.random()}`);
      const response = await client.fetch(`/v2/matrix/app/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: blob, headers });
      await response.arrayBuffer();
      return response.status;
    }
    const digest = await seed(`del-${tag}`);
    const response = await client.fetch(`/v2/matrix/app/manifests/${digest}`, { method: 'DELETE', headers });
    await response.arrayBuffer();
    return response.status;
  }

  const SUCCESS: Record<Action, number> = { pull: 200, push: 201, delete: 202 };
  const expectedStatus = (action: Action, outcome: Outcome): number => (outcome === 'ok' ? SUCCESS[action] : outcome);

  it('answers every role and action as the permission model says, with Basic credentials', async () => {
    await seed('shared');
    const table: string[] = [];
    for (const caller of callers) {
      for (const action of ['pull', 'push', 'delete'] as Action[]) {
        const status = await perform(action, caller.credentials ? basicAuth(caller.credentials) : undefined, 'shared');
        table.push(`${caller.name} ${action}: ${status}`);
      }
    }
    const expected = callers.flatMap((caller) => (['pull', 'push', 'delete'] as Action[]).map((action) => `${caller.name} ${action}: ${expectedStatus(action, caller.expect[action])}`));
    expect(table).toEqual(expected);
  });

  it('reduces token scopes to each role and enforces them', async () => {
    await seed('shared');
    const table: string[] = [];
    const expected: string[] = [];
    for (const caller of callers) {
      const response = await fetch(`${api.url}/service/token?service=wharf-registry&scope=repository:matrix/app:pull,push,delete`, {
        headers: caller.credentials ? { authorization: basicAuth(caller.credentials) } : {},
      });
      expect(response.status).toBe(200);
      const { token } = (await response.json()) as { token: string };
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { access: { actions: string[] }[] };
      const granted = (['pull', 'push', 'delete'] as Action[]).filter((a) => caller.expect[a] === 'ok');
      expect({ caller: caller.name, actions: [...claims.access[0].actions].sort() }).toEqual({ caller: caller.name, actions: [...granted].sort() });
      for (const action of ['pull', 'push', 'delete'] as Action[]) {
        table.push(`${caller.name} ${action}: ${await perform(action, `Bearer ${token}`, 'shared')}`);
        // a token that lacks the right: anonymous callers are challenged (401), known ones denied (403)
        const outcome = caller.expect[action];
        expected.push(`${caller.name} ${action}: ${outcome === 'ok' ? SUCCESS[action] : caller.credentials ? 403 : 401}`);
      }
    }
    expect(table).toEqual(expected);
  });

  it('challenges anonymous callers with the scope they need, and names the token realm', async () => {
    const response = await new RegistryClient(api.url, null).fetch('/v2/matrix/app/manifests/shared');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${api.url}/service/token",service="wharf-registry",scope="repository:matrix/app:pull"`);
    const push = await new RegistryClient(api.url, null).fetch('/v2/matrix/app/blobs/uploads/', { method: 'POST' });
    expect(push.headers.get('www-authenticate')).toContain('scope="repository:matrix/app:pull,push"');
    const base = await new RegistryClient(api.url, null).fetch('/v2/');
    expect(base.status).toBe(401);
  });

  it('answers a private project and a missing one alike, to callers without access', async () => {
    for (const credentials of [null, callers.find((c) => c.name === 'non-member')!.credentials]) {
      const client = new RegistryClient(api.url, credentials);
      const existing = await client.fetch('/v2/matrix/app/manifests/shared');
      const missing = await client.fetch('/v2/nosuchproject/app/manifests/shared');
      expect([existing.status, await existing.text()]).toEqual([missing.status, (await missing.text()).replace(/nosuchproject/g, 'matrix')]);
    }
  });

  it('refuses bad credentials and forged or foreign tokens with 401', async () => {
    const wrong = await new RegistryClient(api.url, { username: 'guest', password: 'Wrong-Password-1' }).fetch('/v2/matrix/app/manifests/shared');
    expect(wrong.status).toBe(401);
    const token = await fetch(`${api.url}/service/token?service=wharf-registry&scope=repository:matrix/app:pull`, { headers: { authorization: basicAuth(callers[2].credentials!) } });
    const { token: good } = (await token.json()) as { token: string };
    const [header, , signature] = good.split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ sub: 'admin', aud: 'wharf-registry', iss: 'wharf-token-service', exp: Math.floor(Date.now() / 1000) + 600, access: [{ type: 'repository', name: 'matrix/app', actions: ['push', 'delete'] }] })).toString('base64url');
    const forged = await new RegistryClient(api.url, null).fetch('/v2/matrix/app/blobs/uploads/', { method: 'POST', headers: { authorization: `Bearer ${header}.${forgedClaims}.${signature}` } });
    expect(forged.status).toBe(401);
    const bad = await fetch(`${api.url}/service/token?service=wharf-registry&scope=repository:matrix/app:pull`, { headers: { authorization: basicAuth({ username: 'guest', password: 'nope' }) } });
    expect(bad.status).toBe(401);
  });

  it('shows system admins the whole catalog and everyone else what they may pull', async () => {
    await seed('catalog');
    await admin.pushImage('library/visible', 'v1', { layers: 1 });
    const catalogOf = async (credentials: Credentials | null): Promise<string[]> => {
      const response = await new RegistryClient(api.url, credentials).fetch('/v2/_catalog', credentials ? {} : { headers: { authorization: `Bearer ${await anonymousToken()}` } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { repositories: string[] }).repositories;
    };
    const anonymousToken = async () => ((await (await fetch(`${api.url}/service/token?service=wharf-registry&scope=registry:catalog:*`)).json()) as { token: string }).token;
    expect(await catalogOf(null)).toEqual(['library/visible']);
    expect(await catalogOf(callers[1].credentials)).toEqual(['library/visible']);
    expect(await catalogOf(callers[3].credentials)).toEqual(['library/visible', 'matrix/app']);
    expect(await catalogOf(callers[7].credentials)).toEqual(['library/visible', 'matrix/app']);
  });

  it('lists in the catalog only the projects a caller may pull from, whatever else a robot holds there', async () => {
    await seed('catalog');
    await admin.pushImage('library/visible', 'v1', { layers: 1 });
    const robots = api.app.get(RobotService);
    const robot = async (name: string, namespace: string, actions: string[]): Promise<Credentials> => {
      const access = actions.map((pair) => ({ resource: pair.split(':')[0], action: pair.split(':')[1] }));
      const created = await robots.create({ name, level: 'system', duration: -1, permissions: [{ kind: 'project', namespace, access }] }, 'admin');
      return { username: created.robot.name, password: created.secret };
    };
    const catalogOf = async (credentials: Credentials): Promise<string[]> => {
      const response = await new RegistryClient(api.url, credentials).fetch('/v2/_catalog');
      expect(response.status).toBe(200);
      return ((await response.json()) as { repositories: string[] }).repositories;
    };
    const everything = ['library/visible', 'matrix/app'];
    const publicOnly = ['library/visible'];
    const table: Array<[string, Credentials, string[]]> = [
      ['robot with repository:list and project:read', await robot('lister', 'matrix', ['repository:list', 'repository:read', 'project:read']), publicOnly],
      ['project robot with management rights only', callers.find((c) => c.name === 'project robot with management rights only')!.credentials!, publicOnly],
      ['project robot with pull', callers.find((c) => c.name === 'project robot with pull')!.credentials!, everything],
      ['robot with push only', callers.find((c) => c.name === 'robot with push')!.credentials!, publicOnly],
      ['robot with delete only', callers.find((c) => c.name === 'robot with delete')!.credentials!, publicOnly],
      ['robot with pull', callers.find((c) => c.name === 'robot with pull')!.credentials!, everything],
      ['robot for every project, list only', await robot('star-lister', '*', ['repository:list', 'project:read']), publicOnly],
      ['robot for every project, pull', callers.find((c) => c.name === 'robot for every project')!.credentials!, everything],
      ['limitedGuest', callers.find((c) => c.name === 'limitedGuest')!.credentials!, everything],
      ['non-member', callers.find((c) => c.name === 'non-member')!.credentials!, publicOnly],
    ];
    const actual: string[] = [];
    for (const [name, credentials] of table) actual.push(`${name}: ${(await catalogOf(credentials)).join(' ')}`);
    expect(actual).toEqual(table.map(([name, , expected]) => `${name}: ${expected.join(' ')}`));
  });

  it('lets a cross-repository mount happen only from a repository the caller may pull', async () => {
    const { layers } = await admin.pushImage('elsewhere/secret', 'v1', { layers: 1 });
    const developer = new RegistryClient(api.url, callers[4].credentials);
    const mount = await developer.fetch(`/v2/matrix/app/blobs/uploads/?mount=${layers[0].digest}&from=elsewhere/secret`, { method: 'POST' });
    // not allowed to read the source: an ordinary upload starts instead, and the blob is not in matrix
    expect(mount.status).toBe(202);
    expect((await developer.fetch(`/v2/matrix/app/blobs/${layers[0].digest}`, { method: 'HEAD' })).status).toBe(404);
    const byAdmin = await admin.fetch(`/v2/matrix/app/blobs/uploads/?mount=${layers[0].digest}&from=elsewhere/secret`, { method: 'POST' });
    expect(byAdmin.status).toBe(201);
  });
});
