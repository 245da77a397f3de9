/**
 * Every role against every kind of management-API action (Basic auth, as Harbor's API takes
 * it). The project is private: callers with no right in it at all get 404 (its existence is
 * not revealed), callers with some right but not this one 403, anonymous callers of
 * system-level endpoints 401.
 */
import { MemberService, ProjectRole, RobotService, UserService, type RobotAccess } from '@wharf/iam';
import { ProjectService } from '@wharf/projects';
import { RegistryClient } from '../support/registry-client';
import { basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const PASSWORD = 'Matrix-Test-Pass-1';

type ActionName =
  | 'read project'
  | 'update project'
  | 'summary'
  | 'list members'
  | 'add member'
  | 'read logs'
  | 'list metadata'
  | 'create robot'
  | 'list robots'
  | 'delete project'
  | 'list users'
  | 'read audit log'
  | 'create project'
  | 'set default quota'
  | 'allow webhooks to the local network';

const PROJECT_ACTIONS: ActionName[] = ['read project', 'update project', 'summary', 'list members', 'add member', 'read logs', 'list metadata', 'create robot', 'list robots', 'delete project'];
const SYSTEM_ACTIONS: ActionName[] = ['list users', 'read audit log', 'create project', 'set default quota', 'allow webhooks to the local network'];

/** The status each action answers when allowed (delete: 412, the project is not empty). */
const ALLOWED: Record<ActionName, number> = {
  'read project': 200,
  'update project': 200,
  summary: 200,
  'list members': 200,
  'add member': 201,
  'read logs': 200,
  'list metadata': 200,
  'create robot': 201,
  'list robots': 200,
  'delete project': 412,
  'list users': 200,
  'read audit log': 200,
  'create project': 201,
  'set default quota': 200,
  'allow webhooks to the local network': 200,
};

interface Caller {
  name: string;
  credentials: Credentials | null;
  /** project actions allowed; the rest answer `otherwise` */
  allowed: ActionName[];
  otherwise: 403 | 404;
  /** answers that differ from `otherwise` for particular actions */
  exceptions?: Partial<Record<ActionName, number>>;
  /** system actions: allowed ones, else 401 (anonymous) or 403 */
  system: ActionName[];
}

const GUEST_LIKE: ActionName[] = ['read project', 'summary', 'list members', 'read logs', 'list metadata', 'list robots'];

describe('management API permission matrix', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let projectId: number;
  const callers: Caller[] = [];
  let sequence = 0;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
    const users = api.app.get(UserService);
    const members = api.app.get(MemberService);
    const projects = api.app.get(ProjectService);
    const robots = api.app.get(RobotService);
    const owner = (await users.findByName('admin'))!;
    const project = await projects.create({ project_name: 'matrix', public: false }, owner.user_id);
    projectId = project.project_id;
    await projects.create({ project_name: 'elsewhere', public: false }, owner.user_id);
    // not empty, so an allowed delete answers 412 and the matrix can go on
    await new RegistryClient(api.url).pushImage('matrix/app', 'v1', { layers: 1 });

    const user = async (name: string, role?: (typeof ProjectRole)[keyof typeof ProjectRole], sysadmin = false): Promise<Credentials> => {
      const created = await users.create({ username: name, password: PASSWORD, email: `${name}@example.com` }, { sysadmin });
      if (role) await members.add(projectId, created.user_id, role);
      return { username: name, password: PASSWORD };
    };
    const robot = async (name: string, namespace: string, access: RobotAccess[]): Promise<Credentials> => {
      const created = await robots.create({ name, level: 'system', duration: -1, permissions: [{ kind: 'project', namespace, access }] }, 'admin');
      return { username: created.robot.name, password: created.secret };
    };
    const userSystem: ActionName[] = ['create project'];

    callers.push(
      // /robots is not under the project's path: anonymous callers are asked to log in there
      { name: 'anonymous', credentials: null, allowed: [], otherwise: 404, exceptions: { 'create robot': 401, 'list robots': 401 }, system: [] },
      { name: 'non-member', credentials: await user('outsider'), allowed: [], otherwise: 404, system: userSystem },
      { name: 'limitedGuest', credentials: await user('limited', ProjectRole.LimitedGuest), allowed: ['read project', 'summary', 'list metadata'], otherwise: 403, system: userSystem },
      { name: 'guest', credentials: await user('guest', ProjectRole.Guest), allowed: GUEST_LIKE, otherwise: 403, system: userSystem },
      { name: 'developer', credentials: await user('developer', ProjectRole.Developer), allowed: GUEST_LIKE, otherwise: 403, system: userSystem },
      { name: 'maintainer', credentials: await user('maintainer', ProjectRole.Maintainer), allowed: GUEST_LIKE, otherwise: 403, system: userSystem },
      { name: 'projectAdmin', credentials: await user('padmin', ProjectRole.ProjectAdmin), allowed: PROJECT_ACTIONS, otherwise: 403, system: userSystem },
      { name: 'system admin', credentials: await user('root2', undefined, true), allowed: PROJECT_ACTIONS, otherwise: 403, system: SYSTEM_ACTIONS },
      { name: 'robot with pull only', credentials: await robot('puller', 'matrix', [{ resource: 'repository', action: 'pull' }]), allowed: [], otherwise: 403, system: [] },
      {
        name: 'robot with member:list, log:list and project:read',
        credentials: await robot('auditor', 'matrix', [
          { resource: 'member', action: 'list' },
          { resource: 'log', action: 'list' },
          { resource: 'project', action: 'read' },
        ]),
        allowed: ['read project', 'summary', 'list members', 'read logs'],
        otherwise: 403,
        system: [],
      },
      { name: 'robot with project:update', credentials: await robot('updater', 'matrix', [{ resource: 'project', action: 'update' }]), allowed: ['update project'], otherwise: 403, system: [] },
      { name: 'robot for another project', credentials: await robot('other', 'elsewhere', [{ resource: 'project', action: 'read' }, { resource: 'member', action: 'list' }]), allowed: [], otherwise: 404, system: [] },
    );
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  async function perform(action: ActionName, credentials: Credentials | null): Promise<number> {
    sequence += 1;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(credentials ? { authorization: basicAuth(credentials) } : {}) };
    const call = async (method: string, path: string, body?: unknown): Promise<number> => {
      const response = await fetch(`${api.url}/api/v2.0${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      await response.arrayBuffer();
      return response.status;
    };
    switch (action) {
      case 'read project':
        return call('GET', '/projects/matrix');
      case 'update project':
        return call('PUT', '/projects/matrix', { metadata: { auto_scan: sequence % 2 ? 'true' : 'false' } });
      case 'summary':
        return call('GET', '/projects/matrix/summary');
      case 'list members':
        return call('GET', '/projects/matrix/members');
      case 'add member': {
        const newcomer = await api.app.get(UserService).create({ username: `newcomer${sequence}`, password: PASSWORD });
        return call('POST', '/projects/matrix/members', { role_id: 3, member_user: { user_id: newcomer.user_id } });
      }
      case 'read logs':
        return call('GET', '/projects/matrix/logs');
      case 'list metadata':
        return call('GET', '/projects/matrix/metadatas');
      case 'create robot':
        return call('POST', '/robots', { name: `bot${sequence}`, level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: 'matrix', access: [{ resource: 'repository', action: 'pull' }] }] });
      case 'list robots':
        return call('GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${projectId}`)}`);
      case 'delete project':
        return call('DELETE', '/projects/matrix');
      case 'list users':
        return call('GET', '/users');
      case 'read audit log':
        return call('GET', '/audit-logs');
      case 'create project':
        return call('POST', '/projects', { project_name: `created-${sequence}` });
      case 'set default quota':
        return call('PUT', '/configurations', { storage_per_project: -1 });
      case 'allow webhooks to the local network':
        return call('PUT', '/configurations', { webhook_allow_local_network: false });
    }
  }

  it('answers every role and project action as the permission model says', async () => {
    const actual: string[] = [];
    const expected: string[] = [];
    for (const caller of callers) {
      for (const action of PROJECT_ACTIONS) {
        actual.push(`${caller.name} / ${action}: ${await perform(action, caller.credentials)}`);
        expected.push(`${caller.name} / ${action}: ${caller.allowed.includes(action) ? ALLOWED[action] : (caller.exceptions?.[action] ?? caller.otherwise)}`);
      }
    }
    expect(actual).toEqual(expected);
  });

  it('answers every role and system action as the permission model says', async () => {
    const actual: string[] = [];
    const expected: string[] = [];
    for (const caller of callers) {
      for (const action of SYSTEM_ACTIONS) {
        actual.push(`${caller.name} / ${action}: ${await perform(action, caller.credentials)}`);
        expected.push(`${caller.name} / ${action}: ${caller.system.includes(action) ? ALLOWED[action] : caller.credentials ? 403 : 401}`);
      }
    }
    expect(actual).toEqual(expected);
  });
});
