import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { TEST_ADMIN, basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { callApi, type ApiAnswer as Answer, type ApiCallOptions } from '../support/management-api';
import { auditEntries } from '../support/audit-entries';


interface Access {
  resource: string;
  action: string;
}

const ROBOT_FIELDS = ['creation_time', 'description', 'disable', 'duration', 'editable', 'expires_at', 'id', 'level', 'name', 'permissions', 'update_time'];
const PULL: Access[] = [{ resource: 'repository', action: 'pull' }];

describe('management API: /api/v2.0/robots', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  /** passwords and robot secrets: no answer may carry one, except the create/refresh answer that hands it out */
  const secrets = new Set<string>([TEST_ADMIN.password]);
  const projects: Record<string, number> = {};
  const users: Record<string, Credentials> = {};

  async function call(method: string, path: string, options: ApiCallOptions & { handsOutSecret?: boolean } = {}): Promise<Answer> {
    const answer = await callApi(api.url, method, path, options);
    expect(answer.text).not.toContain('$scrypt$');
    expect(answer.text).not.toContain('secret_hash');
    expect(answer.text).not.toContain('password_hash');
    for (const secret of secrets) expect(answer.text).not.toContain(secret);
    if (!options.handsOutSecret) expect(answer.json?.secret).toBeUndefined();
    return answer;
  }

  const errorCode = (answer: Answer): string | undefined => answer.json?.errors?.[0]?.code;

  interface RobotBody {
    name: string;
    level: 'system' | 'project';
    duration?: number;
    description?: string;
    disable?: boolean;
    permissions: Array<{ kind: string; namespace: string; access: Access[] }>;
  }

  const projectRobot = (name: string, project: string, access: Access[] = PULL, extra: Partial<RobotBody> = {}): RobotBody => ({
    name,
    level: 'project',
    duration: -1,
    description: `robot ${name}`,
    permissions: [{ kind: 'project', namespace: project, access }],
    ...extra,
  });

  const systemRobot = (name: string, namespaces: string[] = ['*'], access: Access[] = PULL, extra: Partial<RobotBody> = {}): RobotBody => ({
    name,
    level: 'system',
    duration: -1,
    permissions: namespaces.map((namespace) => ({ kind: 'project', namespace, access })),
    ...extra,
  });

  /** Creates a robot (expecting 201); returns what the create answer says plus login credentials. */
  async function createRobot(body: RobotBody, auth: Credentials | null = TEST_ADMIN): Promise<{ id: number; name: string; credentials: Credentials; answer: Answer }> {
    const answer = await call('POST', '/robots', { auth, body, handsOutSecret: true });
    expect(answer.status).toBe(201);
    secrets.add(answer.json.secret);
    return { id: answer.json.id, name: answer.json.name, credentials: { username: answer.json.name, password: answer.json.secret }, answer };
  }

  /** GET /service/token as these credentials: the status and, on success, the access granted for the scope. */
  async function token(credentials: Credentials, scope = 'repository:p1/app:pull,push'): Promise<{ status: number; access?: any[] }> {
    const response = await fetch(`${api.url}/service/token?service=wharf-registry&scope=${encodeURIComponent(scope)}`, { headers: { authorization: basicAuth(credentials) } });
    const body = (await response.json()) as any;
    if (response.status !== 200) return { status: response.status };
    expect(JSON.stringify(body)).not.toContain(credentials.password);
    const payload = JSON.parse(Buffer.from(body.token.split('.')[1], 'base64url').toString('utf8'));
    expect(payload.sub).toBe(credentials.username);
    return { status: 200, access: payload.access };
  }

  async function createProject(name: string): Promise<void> {
    const rows = await db.query<{ project_id: number }>(`INSERT INTO project (name) VALUES ($1) RETURNING project_id`, [name]);
    projects[name] = rows.rows[0].project_id;
    await db.query(`INSERT INTO project_metadata (project_id, name, value) VALUES ($1, 'public', 'false')`, [projects[name]]);
  }

  /** A user through POST /users, made a member of p1 with this Harbor role id unless null. */
  async function createUser(name: string, role: number | null): Promise<void> {
    const credentials = { username: name, password: `Pass-${name}-1A` };
    secrets.add(credentials.password);
    const created = await call('POST', '/users', { body: { ...credentials, email: `${name}@example.com`, realname: name } });
    expect(created.status).toBe(201);
    const id = Number(created.headers.get('location')!.split('/').pop());
    if (role !== null) await db.query(`INSERT INTO project_member (project_id, entity_id, role) VALUES ($1, $2, $3)`, [projects.p1, id, role]);
    users[name] = credentials;
  }

  const robotEntries = async (name: string) => (await auditEntries(api.app)).filter((entry) => entry.resourceType === 'robot' && entry.resource === name);

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    await createProject('p1');
    await createProject('p2');
    await createProject('p3');
    await createUser('alice', 1); // projectAdmin of p1
    await createUser('maria', 4); // maintainer of p1
    await createUser('bob', 2); // developer of p1
    await createUser('lena', 5); // limitedGuest of p1
    await createUser('carol', null); // no member of anything
  });

  afterAll(async () => {
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  describe('system robots', () => {
    it('lets a system admin create one: 201, Location, Harbor RobotCreated fields, a usable secret', async () => {
      const { id, name, answer, credentials } = await createRobot(systemRobot('sys-reader', ['*'], PULL, { description: 'reads everything' }));
      expect(Object.keys(answer.json).sort()).toEqual(['creation_time', 'expires_at', 'id', 'name', 'secret']);
      expect(name).toBe('robot$sys-reader');
      expect(answer.json.expires_at).toBe(-1);
      expect(answer.json.secret).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(answer.headers.get('location')).toBe(`/api/v2.0/robots/${id}`);

      const read = await call('GET', `/robots/${id}`);
      expect(read.status).toBe(200);
      expect(Object.keys(read.json).sort()).toEqual(ROBOT_FIELDS);
      expect(read.json).toMatchObject({
        id,
        name: 'robot$sys-reader',
        description: 'reads everything',
        level: 'system',
        duration: -1,
        disable: false,
        editable: true,
        expires_at: -1,
        permissions: [{ kind: 'project', namespace: '*', access: PULL }],
      });

      const granted = await token(credentials);
      expect(granted.status).toBe(200);
      expect(granted.access).toEqual([{ type: 'repository', name: 'p1/app', actions: ['pull'] }]);
    });

    it('names existing projects only (404 otherwise) and gives exactly the permissions listed, per project', async () => {
      expect((await call('POST', '/robots', { body: systemRobot('sys-ghost', ['p1', 'no-such-project']) })).status).toBe(404);
      const { credentials } = await createRobot({
        name: 'sys-mixed',
        level: 'system',
        duration: 30,
        permissions: [
          { kind: 'project', namespace: 'p1', access: [...PULL, { resource: 'repository', action: 'push' }] },
          { kind: 'project', namespace: 'p2', access: PULL },
        ],
      });
      expect((await token(credentials, 'repository:p1/app:pull,push')).access![0].actions.sort()).toEqual(['pull', 'push']);
      expect((await token(credentials, 'repository:p2/app:pull,push')).access![0].actions).toEqual(['pull']);
      expect((await token(credentials, 'repository:p3/app:pull,push')).access![0].actions).toEqual([]);
    });

    it('computes expires_at from the duration in days', async () => {
      const before = Math.floor(Date.now() / 1000);
      const { answer } = await createRobot(systemRobot('sys-thirty', ['*'], PULL, { duration: 30 }));
      expect(answer.json.expires_at).toBeGreaterThanOrEqual(before + 30 * 86400 - 5);
      expect(answer.json.expires_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30 * 86400 + 5);
    });

    it('refuses anonymous callers (401) and anyone but a system admin (403), project admins included', async () => {
      expect((await call('POST', '/robots', { auth: null, body: systemRobot('sys-anon') })).status).toBe(401);
      const asProjectAdmin = await call('POST', '/robots', { auth: users.alice, body: systemRobot('sys-alice', ['p1']) });
      expect(asProjectAdmin.status).toBe(403);
      expect(errorCode(asProjectAdmin)).toBe('FORBIDDEN');
      expect((await call('POST', '/robots', { auth: users.carol, body: systemRobot('sys-carol') })).status).toBe(403);
    });

    it('answers 409 for a name already taken', async () => {
      await createRobot(systemRobot('sys-dup'));
      const again = await call('POST', '/robots', { body: systemRobot('sys-dup') });
      expect(again.status).toBe(409);
      expect(errorCode(again)).toBe('CONFLICT');
    });
  });

  describe('validation', () => {
    const valid = () => projectRobot('valid', 'p1');
    it.each([
      ['an unknown top-level field', { ...valid(), secret: 'Chosen-Secret-1' }],
      ['an unknown permission field', { ...valid(), permissions: [{ kind: 'project', namespace: 'p1', access: PULL, scope: 'x' }] }],
      ['an unknown access field', { ...valid(), permissions: [{ kind: 'project', namespace: 'p1', access: [{ resource: 'repository', action: 'pull', extra: 1 }] }] }],
      ['an upper-case name', { ...valid(), name: 'Builder' }],
      ['a name with +', { ...valid(), name: 'a+b' }],
      ['a name with $', { ...valid(), name: 'a$b' }],
      ['an empty name', { ...valid(), name: '' }],
      ['a duration of 0', { ...valid(), duration: 0 }],
      ['a duration below -1', { ...valid(), duration: -2 }],
      ['a fractional duration', { ...valid(), duration: 1.5 }],
      ['no duration', { ...valid(), duration: undefined }],
      ['an unknown level', { ...valid(), level: 'global' }],
      ['no permissions', { ...valid(), permissions: [] }],
      ['a permission without access', { ...valid(), permissions: [{ kind: 'project', namespace: 'p1', access: [] }] }],
      ['an unknown permission', { ...valid(), permissions: [{ kind: 'project', namespace: 'p1', access: [{ resource: 'cluster', action: 'own' }] }] }],
      ['an unknown kind', { ...valid(), permissions: [{ kind: 'system', namespace: '/', access: PULL }] }],
      ['two permission entries on a project robot', { ...valid(), permissions: [{ kind: 'project', namespace: 'p1', access: PULL }, { kind: 'project', namespace: 'p1', access: PULL }] }],
      ['a non-boolean disable', { ...valid(), disable: 'yes' }],
    ])('refuses %s with 400', async (_case, body) => {
      const answer = await call('POST', '/robots', { body });
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe('BAD_REQUEST');
    });

    it('created none of the refused robots', async () => {
      const all = await call('GET', '/robots?page_size=100');
      expect(all.json.map((r: any) => r.name)).not.toContain('robot$p1+valid');
    });
  });

  describe('project robots', () => {
    it('lets a project admin create one named robot$<project>+<name>, holding exactly its permissions', async () => {
      const { id, name, credentials } = await createRobot(projectRobot('ci', 'p1', [...PULL, { resource: 'repository', action: 'push' }]), users.alice);
      expect(name).toBe('robot$p1+ci');
      const read = await call('GET', `/robots/${id}`, { auth: users.alice });
      expect(read.status).toBe(200);
      expect(read.json).toMatchObject({ name: 'robot$p1+ci', level: 'project', permissions: [{ kind: 'project', namespace: 'p1' }] });
      expect((await token(credentials, 'repository:p1/app:pull,push,delete')).access![0].actions.sort()).toEqual(['pull', 'push']);
      // a project robot never reaches beyond its project
      expect((await token(credentials, 'repository:p2/app:pull')).access![0].actions).toEqual([]);
    });

    it('lets a system admin create one in any project', async () => {
      const { name } = await createRobot(projectRobot('admin-made', 'p2'));
      expect(name).toBe('robot$p2+admin-made');
    });

    it('needs robot:create in the project: maintainers and developers get 403, non-members 404 (the project stays hidden)', async () => {
      expect((await call('POST', '/robots', { auth: users.maria, body: projectRobot('by-maria', 'p1') })).status).toBe(403);
      expect((await call('POST', '/robots', { auth: users.bob, body: projectRobot('by-bob', 'p1') })).status).toBe(403);
      expect((await call('POST', '/robots', { auth: users.lena, body: projectRobot('by-lena', 'p1') })).status).toBe(403);
      const hidden = await call('POST', '/robots', { auth: users.carol, body: projectRobot('by-carol', 'p1') });
      expect(hidden.status).toBe(404);
      expect((await call('POST', '/robots', { auth: users.alice, body: projectRobot('elsewhere', 'p2') })).status).toBe(404);
      expect((await call('POST', '/robots', { auth: users.alice, body: projectRobot('nowhere', 'no-such-project') })).status).toBe(404);
      expect((await call('POST', '/robots', { auth: null, body: projectRobot('anon', 'p1') })).status).toBe(401);
    });

    it('answers 409 for a name already taken in the project, while another project may reuse it', async () => {
      await createRobot(projectRobot('shared-name', 'p1'), users.alice);
      expect((await call('POST', '/robots', { auth: users.alice, body: projectRobot('shared-name', 'p1') })).status).toBe(409);
      await createRobot(projectRobot('shared-name', 'p2'));
    });

    it('lets a robot holding robot:create make robots, but never with more than it holds itself', async () => {
      // project:read too: without it the management API does not reveal the project to a robot
      const managerAccess = [{ resource: 'project', action: 'read' }, ...PULL, { resource: 'robot', action: 'create' }, { resource: 'robot', action: 'read' }];
      const { credentials: manager } = await createRobot(projectRobot('manager', 'p1', managerAccess), users.alice);
      const made = await createRobot(projectRobot('made-by-robot', 'p1'), manager);
      expect(made.name).toBe('robot$p1+made-by-robot');
      const escalation = await call('POST', '/robots', { auth: manager, body: projectRobot('pusher', 'p1', [...PULL, { resource: 'repository', action: 'push' }]) });
      expect(escalation.status).toBe(403);
      expect(errorCode(escalation)).toBe('FORBIDDEN');
      expect((await call('POST', '/robots', { auth: manager, body: systemRobot('sys-by-robot', ['p1']) })).status).toBe(403);
      // robot Basic credentials work on the management API, and robots are still not users
      expect((await call('GET', `/robots/${made.id}`, { auth: manager })).status).toBe(200);
      expect((await call('GET', '/users/current', { auth: manager })).status).toBe(412);
    });
  });

  describe('GET /robots', () => {
    it('lists every robot for a system admin, with X-Total-Count and Link', async () => {
      const all = await call('GET', '/robots?page_size=100');
      expect(all.status).toBe(200);
      expect(Number(all.headers.get('x-total-count'))).toBe(all.json.length);
      const levels = new Set(all.json.map((r: any) => r.level));
      expect(levels).toEqual(new Set(['system', 'project']));
      for (const robot of all.json) expect(Object.keys(robot).sort()).toEqual(ROBOT_FIELDS);

      const page = await call('GET', '/robots?page=2&page_size=2');
      expect(page.json).toHaveLength(2);
      expect(page.headers.get('link')).toContain('rel="prev"');
      expect(page.headers.get('link')).toContain('rel="next"');
    });

    it('filters by Level and by ProjectID as Harbor does', async () => {
      const system = await call('GET', '/robots?q=Level=system&page_size=100');
      expect(system.json.length).toBeGreaterThan(0);
      expect(system.json.every((r: any) => r.level === 'system')).toBe(true);
      const inP1 = await call('GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${projects.p1}`)}&page_size=100`);
      expect(inP1.status).toBe(200);
      expect(inP1.json.length).toBeGreaterThan(0);
      expect(inP1.json.every((r: any) => r.level === 'project' && r.name.startsWith('robot$p1+'))).toBe(true);
      expect(Number(inP1.headers.get('x-total-count'))).toBe(inP1.json.length);
      const allProjects = await call('GET', '/robots?q=Level=project&page_size=100');
      expect(allProjects.json.map((r: any) => r.name)).toEqual(expect.arrayContaining(['robot$p1+ci', 'robot$p2+admin-made']));
    });

    it('lets members holding robot:list list their project’s robots, and nothing wider', async () => {
      const q = `?q=${encodeURIComponent(`Level=project,ProjectID=${projects.p1}`)}`;
      for (const member of ['alice', 'maria', 'bob']) {
        const answer = await call('GET', `/robots${q}`, { auth: users[member] });
        expect(answer.status).toBe(200);
        expect(answer.json.every((r: any) => r.name.startsWith('robot$p1+'))).toBe(true);
      }
      expect((await call('GET', `/robots?q=ProjectID=${projects.p1}`, { auth: users.alice })).status).toBe(200);
      expect((await call('GET', `/robots${q}`, { auth: users.lena })).status).toBe(403);
      expect((await call('GET', `/robots${q}`, { auth: users.carol })).status).toBe(404);
      expect((await call('GET', `/robots?q=ProjectID=${projects.p2}`, { auth: users.alice })).status).toBe(404);
      expect((await call('GET', '/robots', { auth: users.alice })).status).toBe(403);
      expect((await call('GET', '/robots?q=Level=system', { auth: users.alice })).status).toBe(403);
      expect((await call('GET', '/robots?q=Level=project', { auth: users.alice })).status).toBe(403);
      expect((await call('GET', `/robots${q}`, { auth: null })).status).toBe(401);
    });

    it('refuses unknown query keys and malformed values with 400', async () => {
      expect((await call('GET', '/robots?q=Name=ci')).status).toBe(400);
      expect((await call('GET', '/robots?q=Level=global')).status).toBe(400);
      expect((await call('GET', '/robots?q=ProjectID=abc')).status).toBe(400);
      expect((await call('GET', `/robots?q=${encodeURIComponent(`Level=system,ProjectID=${projects.p1}`)}`)).status).toBe(400);
      expect((await call('GET', '/robots?level=system')).status).toBe(400);
      expect((await call('GET', '/robots?page_size=1000')).status).toBe(400);
    });
  });

  describe('GET /robots/{id}', () => {
    let projectRobotId: number;
    let systemRobotId: number;

    beforeAll(async () => {
      projectRobotId = (await createRobot(projectRobot('readable', 'p1'), users.alice)).id;
      systemRobotId = (await createRobot(systemRobot('sys-readable'))).id;
    });

    it('shows a project robot to members with robot:read, never its secret', async () => {
      for (const member of ['alice', 'maria', 'bob']) {
        const answer = await call('GET', `/robots/${projectRobotId}`, { auth: users[member] });
        expect(answer.status).toBe(200);
        expect(answer.json.name).toBe('robot$p1+readable');
      }
      expect((await call('GET', `/robots/${projectRobotId}`, { auth: users.lena })).status).toBe(403);
      expect((await call('GET', `/robots/${projectRobotId}`, { auth: users.carol })).status).toBe(404);
      expect((await call('GET', `/robots/${projectRobotId}`, { auth: null })).status).toBe(401);
    });

    it('shows a system robot to system admins only', async () => {
      expect((await call('GET', `/robots/${systemRobotId}`)).status).toBe(200);
      expect((await call('GET', `/robots/${systemRobotId}`, { auth: users.alice })).status).toBe(403);
      expect((await call('GET', `/robots/${systemRobotId}`, { auth: null })).status).toBe(401);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      expect((await call('GET', '/robots/999999')).status).toBe(404);
      expect((await call('GET', '/robots/abc')).status).toBe(400);
      expect((await call('GET', '/robots/-1')).status).toBe(400);
    });
  });

  describe('PUT /robots/{id}', () => {
    let robot: { id: number; name: string; credentials: Credentials };

    beforeAll(async () => {
      robot = await createRobot(projectRobot('editable', 'p1'), users.alice);
    });

    it('replaces description, duration, disable and permissions; the new permissions apply at once', async () => {
      expect((await token(robot.credentials)).access![0].actions).toEqual(['pull']);
      const update = await call('PUT', `/robots/${robot.id}`, {
        auth: users.alice,
        body: {
          description: 'now pushes',
          duration: 10,
          disable: false,
          permissions: [{ kind: 'project', namespace: 'p1', access: [...PULL, { resource: 'repository', action: 'push' }] }],
        },
      });
      expect(update.status).toBe(200);
      const read = await call('GET', `/robots/${robot.id}`, { auth: users.alice });
      expect(read.json).toMatchObject({ description: 'now pushes', duration: 10, disable: false });
      expect(read.json.expires_at).toBe(Math.floor(new Date(read.json.creation_time).getTime() / 1000) + 10 * 86400);
      expect(read.json.permissions[0].access).toEqual([...PULL, { resource: 'repository', action: 'push' }]);
      expect((await token(robot.credentials)).access![0].actions.sort()).toEqual(['pull', 'push']);
    });

    it('accepts back the whole object a GET returned (Harbor clients do that)', async () => {
      const read = await call('GET', `/robots/${robot.id}`, { auth: users.alice });
      const answer = await call('PUT', `/robots/${robot.id}`, { auth: users.alice, body: { ...read.json, description: 'round trip' } });
      expect(answer.status).toBe(200);
      expect((await call('GET', `/robots/${robot.id}`, { auth: users.alice })).json).toMatchObject({ description: 'round trip', name: robot.name, duration: 10 });
    });

    it('refuses to change name, level or id, unknown fields, foreign namespaces and bad permissions (400)', async () => {
      const base = { duration: -1, permissions: [{ kind: 'project', namespace: 'p1', access: PULL }] };
      const cases = [
        { ...base, name: 'robot$p1+renamed' },
        { ...base, level: 'system' },
        { ...base, id: robot.id + 1000 },
        { ...base, secret: 'Chosen-Secret-1' },
        { ...base, permissions: [{ kind: 'project', namespace: 'p2', access: PULL }] },
        { ...base, permissions: [] },
        { ...base, permissions: [{ kind: 'project', namespace: 'p1', access: [{ resource: 'repository', action: 'fly' }] }] },
        { ...base, duration: 0 },
        { duration: -1 },
      ];
      for (const body of cases) {
        const answer = await call('PUT', `/robots/${robot.id}`, { auth: users.alice, body });
        expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      }
      expect((await call('GET', `/robots/${robot.id}`, { auth: users.alice })).json).toMatchObject({ name: robot.name, level: 'project', description: 'round trip' });
    });

    it('needs robot:update in the project (403 for developers, 404 for non-members, 401 anonymous), 404 for unknown ids', async () => {
      const body = { duration: -1, permissions: [{ kind: 'project', namespace: 'p1', access: PULL }] };
      expect((await call('PUT', `/robots/${robot.id}`, { auth: users.bob, body })).status).toBe(403);
      expect((await call('PUT', `/robots/${robot.id}`, { auth: users.carol, body })).status).toBe(404);
      expect((await call('PUT', `/robots/${robot.id}`, { auth: null, body })).status).toBe(401);
      expect((await call('PUT', '/robots/999999', { body })).status).toBe(404);
    });

    it('lets a system admin edit a system robot, and nobody else', async () => {
      const system = await createRobot(systemRobot('sys-editable', ['p1']));
      const body = { description: 'widened', duration: -1, permissions: [{ kind: 'project', namespace: '*', access: PULL }] };
      expect((await call('PUT', `/robots/${system.id}`, { auth: users.alice, body })).status).toBe(403);
      expect((await call('PUT', `/robots/${system.id}`, { body: { ...body, permissions: [{ kind: 'project', namespace: 'gone', access: PULL }] } })).status).toBe(404);
      expect((await call('PUT', `/robots/${system.id}`, { body })).status).toBe(200);
      expect((await token(system.credentials, 'repository:p2/x:pull')).access![0].actions).toEqual(['pull']);
    });
  });

  describe('audit', () => {
    it('records create, update, refresh and delete with the project, who and from where', async () => {
      const { id, name } = await createRobot(projectRobot('audited', 'p1'), users.alice);
      await call('PUT', `/robots/${id}`, { auth: users.alice, body: { duration: -1, description: 'x', permissions: [{ kind: 'project', namespace: 'p1', access: PULL }] } });
      const refreshed = await call('PATCH', `/robots/${id}`, { body: {}, handsOutSecret: true });
      secrets.add(refreshed.json.secret);
      await call('DELETE', `/robots/${id}`, { auth: users.bob }); // refused: not recorded
      await call('DELETE', `/robots/${id}`);
      const entries = await robotEntries(name);
      expect(entries.map((entry) => [entry.operation, entry.username])).toEqual([
        ['create', 'alice'],
        ['update', 'alice'],
        ['update', 'admin'],
        ['delete', 'admin'],
      ]);
      for (const entry of entries) expect(entry).toMatchObject({ projectId: projects.p1, resourceType: 'robot', clientIp: '127.0.0.1' });
      const { name: systemName } = await createRobot(systemRobot('sys-audited'));
      expect(await robotEntries(systemName)).toEqual([expect.objectContaining({ projectId: null, operation: 'create', username: 'admin' })]);
    });
  });
  // The failed logins below are counted per client address by the login throttle; after five,
  // every login from this address is slowed down, so these blocks come last.
  describe('robot login (/service/token and /v2 credentials)', () => {
    it('refuses a wrong secret with 401', async () => {
      const { credentials } = await createRobot(projectRobot('login', 'p1'), users.alice);
      expect((await token(credentials)).status).toBe(200);
      expect((await token({ username: credentials.username, password: `${credentials.password}x` })).status).toBe(401);
    });

    it('refuses a disabled robot (401) until it is enabled again', async () => {
      const { id, credentials } = await createRobot(projectRobot('switch', 'p1'), users.alice);
      const permissions = [{ kind: 'project', namespace: 'p1', access: PULL }];
      expect((await call('PUT', `/robots/${id}`, { auth: users.alice, body: { duration: -1, disable: true, permissions } })).status).toBe(200);
      expect((await call('GET', `/robots/${id}`, { auth: users.alice })).json.disable).toBe(true);
      expect((await token(credentials)).status).toBe(401);
      expect((await call('PUT', `/robots/${id}`, { auth: users.alice, body: { duration: -1, disable: false, permissions } })).status).toBe(200);
      expect((await token(credentials)).status).toBe(200);
    });

    it('keeps a robot created disabled disabled', async () => {
      const { id } = await createRobot(projectRobot('born-disabled', 'p1', PULL, { disable: true }), users.alice);
      expect((await call('GET', `/robots/${id}`, { auth: users.alice })).json.disable).toBe(true);
    });

    it('refuses an expired robot (401)', async () => {
      const { id, answer, credentials } = await createRobot(projectRobot('short-lived', 'p1', PULL, { duration: 1 }), users.alice);
      expect(answer.json.expires_at).toBeGreaterThan(Date.now() / 1000 + 86400 - 60);
      // as if the day had passed but for two seconds: the login is remembered only until the expiry
      await db.query(`UPDATE robot SET expires_at = now() + interval '2 seconds' WHERE id = $1`, [id]);
      expect((await token(credentials)).status).toBe(200);
      await eventually(async () => (await token(credentials)).status === 401, 10_000);
      expect((await call('GET', `/robots/${id}`, { auth: users.alice })).json.expires_at).toBeLessThan(Date.now() / 1000);
    });
  });

  describe('PATCH /robots/{id} (refresh secret)', () => {
    it('hands out a new secret once: the old one stops working, the new one works, reads never show it', async () => {
      const { id, credentials } = await createRobot(projectRobot('rotating', 'p1'), users.alice);
      expect((await token(credentials)).status).toBe(200);
      const refreshed = await call('PATCH', `/robots/${id}`, { auth: users.alice, body: {}, handsOutSecret: true });
      expect(refreshed.status).toBe(200);
      expect(Object.keys(refreshed.json)).toEqual(['secret']);
      const secret: string = refreshed.json.secret;
      expect(secret).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(secret).not.toBe(credentials.password);
      secrets.add(secret);
      expect((await token({ username: credentials.username, password: secret })).status).toBe(200);
      expect((await token(credentials)).status).toBe(401);
      expect((await call('GET', `/robots/${id}`, { auth: users.alice })).status).toBe(200);
    });

    it('takes a chosen secret (not echoed back) when it is strong enough', async () => {
      const { id, credentials } = await createRobot(projectRobot('chosen', 'p1'), users.alice);
      const chosen = 'Chosen-Secret-42';
      secrets.add(chosen);
      expect((await call('PATCH', `/robots/${id}`, { auth: users.alice, body: { secret: 'weak' } })).status).toBe(400);
      expect((await call('PATCH', `/robots/${id}`, { auth: users.alice, body: { secret: chosen, extra: true } })).status).toBe(400);
      const answer = await call('PATCH', `/robots/${id}`, { auth: users.alice, body: { secret: chosen } });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({});
      expect((await token({ username: credentials.username, password: chosen })).status).toBe(200);
    });

    it('needs robot:update (403 developers, 404 non-members, 401 anonymous); system robots need a system admin', async () => {
      const { id, credentials } = await createRobot(projectRobot('guarded', 'p1'), users.alice);
      expect((await call('PATCH', `/robots/${id}`, { auth: users.bob, body: {} })).status).toBe(403);
      expect((await call('PATCH', `/robots/${id}`, { auth: users.carol, body: {} })).status).toBe(404);
      expect((await call('PATCH', `/robots/${id}`, { auth: null, body: {} })).status).toBe(401);
      expect((await call('PATCH', '/robots/999999', { body: {} })).status).toBe(404);
      expect((await token(credentials)).status).toBe(200);
      const system = await createRobot(systemRobot('sys-rotating'));
      expect((await call('PATCH', `/robots/${system.id}`, { auth: users.alice, body: {} })).status).toBe(403);
      // no body at all: a generated secret, as with {}
      const refreshed = await call('PATCH', `/robots/${system.id}`, { handsOutSecret: true });
      expect(refreshed.status).toBe(200);
      expect(refreshed.json.secret).toMatch(/^[A-Za-z0-9]{32}$/);
      secrets.add(refreshed.json.secret);
    });
  });

  describe('DELETE /robots/{id}', () => {
    it('needs robot:delete in the project, then removes the robot and its login', async () => {
      const { id, name, credentials } = await createRobot(projectRobot('doomed', 'p1'), users.alice);
      expect((await call('DELETE', `/robots/${id}`, { auth: users.bob })).status).toBe(403);
      expect((await call('DELETE', `/robots/${id}`, { auth: users.maria })).status).toBe(403);
      expect((await call('DELETE', `/robots/${id}`, { auth: users.carol })).status).toBe(404);
      expect((await call('DELETE', `/robots/${id}`, { auth: null })).status).toBe(401);
      expect((await call('DELETE', `/robots/${id}`, { auth: users.alice })).status).toBe(200);
      expect((await call('GET', `/robots/${id}`)).status).toBe(404);
      expect((await call('DELETE', `/robots/${id}`)).status).toBe(404);
      expect((await robotEntries(name)).map((entry) => entry.operation)).toEqual(['create', 'delete']);
      expect((await token(credentials)).status).toBe(401);
    });

    it('lets only a system admin delete a system robot', async () => {
      const { id } = await createRobot(systemRobot('sys-doomed'));
      expect((await call('DELETE', `/robots/${id}`, { auth: users.alice })).status).toBe(403);
      expect((await call('DELETE', `/robots/${id}`)).status).toBe(200);
      expect((await call('GET', `/robots/${id}`)).status).toBe(404);
    });
  });

});
