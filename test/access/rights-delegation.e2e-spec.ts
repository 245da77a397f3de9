/**
 * Nobody hands out, refreshes or takes over rights beyond their own (issue 11, item 3): a robot
 * holding robot:* manages only robots that may do no more than itself, robots never grant
 * project roles, and members grant only roles no stronger than their own.
 */
import { ProjectRole } from '@wharf/iam';
import { callApi, errorCodeOf, type ApiAnswer, type ApiCallOptions } from '../support/management-api';
import { basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

interface Access {
  resource: string;
  action: string;
}

const access = (...pairs: string[]): Access[] => pairs.map((pair) => ({ resource: pair.split(':')[0], action: pair.split(':')[1] }));
const projectRobot = (name: string, granted: Access[]) => ({ name, level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: 'deleg', access: granted }] });

/** What each robot below holds; project:read lets the management API show it the project. */
const PULL = access('project:read', 'repository:pull');
const PUSH = access('project:read', 'repository:pull', 'repository:push');

describe('delegating rights', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  const users: Record<string, Credentials & { id: number }> = {};

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> => callApi(api.url, method, path, options);

  async function createRobot(name: string, granted: Access[], auth?: Credentials): Promise<{ id: number; credentials: Credentials }> {
    const answer = await call('POST', '/robots', { auth, body: projectRobot(name, granted) });
    expect(answer.status).toBe(201);
    return { id: answer.json.id, credentials: { username: answer.json.name, password: answer.json.secret } };
  }

  /** Whether these credentials may push to deleg/ (a token for the scope grants push). */
  async function mayPush(credentials: Credentials): Promise<boolean> {
    const response = await fetch(`${api.url}/service/token?service=wharf-registry&scope=repository:deleg/app:push`, { headers: { authorization: basicAuth(credentials) } });
    if (response.status !== 200) return false;
    const { token } = (await response.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { access: { actions: string[] }[] };
    return claims.access[0]?.actions.includes('push') ?? false;
  }

  async function createUser(name: string, role: number | null): Promise<void> {
    const credentials = { username: name, password: `Pass-${name}-1A` };
    const created = await call('POST', '/users', { body: { ...credentials, email: `${name}@example.com`, realname: name } });
    expect(created.status).toBe(201);
    const id = Number(created.headers.get('location')!.split('/').pop());
    if (role !== null) expect((await call('POST', '/projects/deleg/members', { body: { role_id: role, member_user: { user_id: id } } })).status).toBe(201);
    users[name] = { ...credentials, id };
  }

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
    expect((await call('POST', '/projects', { body: { project_name: 'deleg', public: false } })).status).toBe(201);
    await createUser('padmin', ProjectRole.ProjectAdmin);
    await createUser('maint', ProjectRole.Maintainer);
    await createUser('dev', ProjectRole.Developer);
    await createUser('guest', ProjectRole.Guest);
    await createUser('newcomer', null);
    await createUser('other', null);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  describe('robots managing robots', () => {
    it('refuses a robot with robot:update refreshing the secret of a stronger robot (403), whose secret keeps working', async () => {
      const manager = await createRobot('refresher', [...PULL, ...access('robot:read', 'robot:update')]);
      const stronger = await createRobot('stronger', PUSH);
      const answer = await call('PATCH', `/robots/${stronger.id}`, { auth: manager.credentials, body: {} });
      expect(answer.status).toBe(403);
      expect(errorCodeOf(answer)).toBe('FORBIDDEN');
      expect(answer.json.secret).toBeUndefined();
      const chosen = await call('PATCH', `/robots/${stronger.id}`, { auth: manager.credentials, body: { secret: 'Taken-Over-Secret-1' } });
      expect(chosen.status).toBe(403);
      expect(await mayPush(stronger.credentials)).toBe(true);
      expect(await mayPush({ username: stronger.credentials.username, password: 'Taken-Over-Secret-1' })).toBe(false);
    });

    it('lets it refresh a weaker or an equal robot, and itself', async () => {
      const manager = await createRobot('refresher2', [...PULL, ...access('robot:read', 'robot:update')]);
      const weaker = await createRobot('weaker', access('repository:pull'));
      const equal = await createRobot('equal', [...PULL, ...access('robot:read', 'robot:update')]);
      for (const id of [weaker.id, equal.id, manager.id]) {
        const answer = await call('PATCH', `/robots/${id}`, { auth: manager.credentials, body: {} });
        expect({ id, status: answer.status }).toEqual({ id, status: 200 });
        expect(answer.json.secret).toMatch(/^[A-Za-z0-9]{32}$/);
      }
    });

    it('refuses updating a stronger robot, even to weaken it, and raising a weaker one above the caller (403)', async () => {
      const manager = await createRobot('updater', [...PULL, ...access('robot:read', 'robot:update')]);
      const stronger = await createRobot('stronger2', PUSH);
      const weaker = await createRobot('weaker2', access('repository:pull'));
      const weakenStronger = await call('PUT', `/robots/${stronger.id}`, { auth: manager.credentials, body: { ...projectRobot('stronger2', PULL), disable: true } });
      expect(weakenStronger.status).toBe(403);
      expect(await mayPush(stronger.credentials)).toBe(true);
      const raise = await call('PUT', `/robots/${weaker.id}`, { auth: manager.credentials, body: projectRobot('weaker2', PUSH) });
      expect(raise.status).toBe(403);
      expect(await mayPush(weaker.credentials)).toBe(false);
      const withinOwnRights = await call('PUT', `/robots/${weaker.id}`, { auth: manager.credentials, body: projectRobot('weaker2', PULL) });
      expect(withinOwnRights.status).toBe(200);
    });

    it('refuses deleting a stronger robot (403), and lets it delete a weaker one', async () => {
      const manager = await createRobot('deleter', [...PULL, ...access('robot:read', 'robot:delete')]);
      const stronger = await createRobot('stronger3', PUSH);
      const weaker = await createRobot('weaker3', access('repository:pull'));
      expect((await call('DELETE', `/robots/${stronger.id}`, { auth: manager.credentials })).status).toBe(403);
      expect((await call('GET', `/robots/${stronger.id}`)).status).toBe(200);
      expect((await call('DELETE', `/robots/${weaker.id}`, { auth: manager.credentials })).status).toBe(200);
    });

    it('refuses a robot with robot:create making a robot with more than it holds (403)', async () => {
      const manager = await createRobot('creator', [...PULL, ...access('robot:create')]);
      expect((await call('POST', '/robots', { auth: manager.credentials, body: projectRobot('made-stronger', PUSH) })).status).toBe(403);
      expect((await call('POST', '/robots', { auth: manager.credentials, body: projectRobot('made-equal', [...PULL, ...access('robot:create')]) })).status).toBe(201);
    });

    it('refuses a robot that expires making, extending or refreshing a robot that outlives it (403)', async () => {
      const mortalAccess = [...PULL, ...access('robot:read', 'robot:create', 'robot:update')];
      const answer = await call('POST', '/robots', { body: { ...projectRobot('mortal', mortalAccess), duration: 30 } });
      expect(answer.status).toBe(201);
      const mortal = { id: answer.json.id as number, credentials: { username: answer.json.name, password: answer.json.secret } };
      const immortal = await createRobot('immortal', access('repository:pull'));

      expect((await call('POST', '/robots', { auth: mortal.credentials, body: projectRobot('heir', access('repository:pull')) })).status).toBe(403);
      expect((await call('PATCH', `/robots/${immortal.id}`, { auth: mortal.credentials, body: {} })).status).toBe(403);
      const shortLived = await call('POST', '/robots', { auth: mortal.credentials, body: { ...projectRobot('short-lived', access('repository:pull')), duration: 1 } });
      expect(shortLived.status).toBe(201);
      expect((await call('PUT', `/robots/${shortLived.json.id}`, { auth: mortal.credentials, body: projectRobot('short-lived', access('repository:pull')) })).status).toBe(403);
      expect((await call('PUT', `/robots/${shortLived.json.id}`, { auth: mortal.credentials, body: { ...projectRobot('short-lived', access('repository:pull')), duration: 2 } })).status).toBe(200);
      expect((await call('PATCH', `/robots/${shortLived.json.id}`, { auth: mortal.credentials, body: {} })).status).toBe(200);
      expect((await call('PATCH', `/robots/${mortal.id}`, { auth: mortal.credentials, body: {} })).status).toBe(200);
    });

    it('still lets a project admin manage every robot of the project', async () => {
      const stronger = await createRobot('admin-managed', PUSH);
      expect((await call('PATCH', `/robots/${stronger.id}`, { auth: users.padmin, body: {} })).status).toBe(200);
      expect((await call('PUT', `/robots/${stronger.id}`, { auth: users.padmin, body: projectRobot('admin-managed', PULL) })).status).toBe(200);
      expect((await call('DELETE', `/robots/${stronger.id}`, { auth: users.padmin })).status).toBe(200);
    });
  });

  describe('robots and project roles', () => {
    it('refuses a robot with member:create adding anyone, with any role (403); nobody became a member', async () => {
      const robot = await createRobot('recruiter', [...PULL, ...access('member:list', 'member:create')]);
      for (const role of [ProjectRole.ProjectAdmin, ProjectRole.LimitedGuest]) {
        const answer = await call('POST', '/projects/deleg/members', { auth: robot.credentials, body: { role_id: role, member_user: { user_id: users.newcomer.id } } });
        expect({ role, status: answer.status }).toEqual({ role, status: 403 });
      }
      const members = await call('GET', '/projects/deleg/members', { auth: robot.credentials });
      expect(members.status).toBe(200);
      expect(members.json.map((m: { entity_name: string }) => m.entity_name)).not.toContain('newcomer');
      expect((await call('GET', '/projects/deleg', { auth: users.newcomer })).status).toBe(404);
    });

    it('refuses a robot with member:update changing a role (403)', async () => {
      const robot = await createRobot('promoter', [...PULL, ...access('member:list', 'member:update')]);
      const members = (await call('GET', '/projects/deleg/members')).json as { id: number; entity_name: string; role_id: number }[];
      const guest = members.find((m) => m.entity_name === 'guest')!;
      expect((await call('PUT', `/projects/deleg/members/${guest.id}`, { auth: robot.credentials, body: { role_id: ProjectRole.ProjectAdmin } })).status).toBe(403);
      expect((await call('GET', `/projects/deleg/members/${guest.id}`)).json.role_id).toBe(ProjectRole.Guest);
    });
  });

  describe('members granting roles and robots', () => {
    it('refuses developers and maintainers adding members or promoting themselves or others (403)', async () => {
      const members = (await call('GET', '/projects/deleg/members')).json as { id: number; entity_name: string }[];
      for (const name of ['dev', 'maint']) {
        for (const role of [ProjectRole.ProjectAdmin, ProjectRole.Maintainer, ProjectRole.Guest]) {
          const add = await call('POST', '/projects/deleg/members', { auth: users[name], body: { role_id: role, member_user: { user_id: users.other.id } } });
          expect({ name, role, status: add.status }).toEqual({ name, role, status: 403 });
        }
        for (const member of members) {
          const update = await call('PUT', `/projects/deleg/members/${member.id}`, { auth: users[name], body: { role_id: ProjectRole.ProjectAdmin } });
          expect({ name, member: member.entity_name, status: update.status }).toEqual({ name, member: member.entity_name, status: 403 });
        }
      }
      expect((await call('GET', '/projects/deleg', { auth: users.other })).status).toBe(404);
    });

    it('refuses developers and maintainers creating robots, even with less than they hold (403)', async () => {
      for (const name of ['dev', 'maint']) {
        const answer = await call('POST', '/robots', { auth: users[name], body: projectRobot(`by-${name}`, access('repository:pull')) });
        expect({ name, status: answer.status }).toEqual({ name, status: 403 });
      }
    });

    it('lets a project admin grant every role, but no robot beyond the project (404 for "*", 403 for a system robot)', async () => {
      const added = await call('POST', '/projects/deleg/members', { auth: users.padmin, body: { role_id: ProjectRole.ProjectAdmin, member_user: { user_id: users.other.id } } });
      expect(added.status).toBe(201);
      const foreign = await call('POST', '/robots', { auth: users.padmin, body: { ...projectRobot('foreign', PULL), permissions: [{ kind: 'project', namespace: '*', access: PULL }] } });
      expect(foreign.status).toBe(404);
      expect((await call('POST', '/robots', { auth: users.padmin, body: { ...projectRobot('system-by-padmin', PULL), level: 'system' } })).status).toBe(403);
    });
  });
});
