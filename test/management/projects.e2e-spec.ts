import { RobotService, UserService } from '@wharf/iam';
import { Client } from 'pg';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { callApi, type ApiAnswer as Answer, type ApiCallOptions } from '../support/management-api';
import { auditEntries } from '../support/audit-entries';


const PROJECT_FIELDS = [
  'creation_time',
  'current_user_role_id',
  'current_user_role_ids',
  // Harbor's Project carries its CVE allowlist (an empty one, id 0, until one is set)
  'cve_allowlist',
  'deleted',
  'metadata',
  'name',
  'owner_id',
  'owner_name',
  'project_id',
  'registry_id',
  'repo_count',
  'update_time',
];

describe('management API: /api/v2.0/projects', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  const users: Record<string, Credentials & { id: number }> = {};
  let robot: Credentials;

  async function call(method: string, path: string, options: ApiCallOptions = {}): Promise<Answer> {
    const answer = await callApi(api.url, method, path, options);
    for (const secret of [TEST_ADMIN.password, ...Object.values(users).map((u) => u.password)]) expect(answer.text).not.toContain(secret);
    expect(answer.text).not.toContain('$scrypt$');
    return answer;
  }

  const errorCode = (answer: Answer): string | undefined => answer.json?.errors?.[0]?.code;
  const errorMessage = (answer: Answer): string => answer.json?.errors?.[0]?.message ?? '';

  /** POST /projects expecting 201; returns the new id (from Location). */
  async function createProject(body: Record<string, unknown>, auth: Credentials | null = TEST_ADMIN): Promise<number> {
    const answer = await call('POST', '/projects', { auth, body });
    expect(answer.status).toBe(201);
    const location = answer.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v2\.0\/projects\/\d+$/);
    return Number(location.split('/').pop());
  }

  async function createUser(username: string): Promise<void> {
    const password = `Pass-${username}-1A`;
    const user = await api.app.get(UserService).create({ username, password, email: `${username}@example.com` });
    users[username] = { username, password, id: user.user_id };
  }

  async function addMember(project: string, username: string, role: number): Promise<void> {
    const answer = await call('POST', `/projects/${project}/members`, { body: { role_id: role, member_user: { username } } });
    expect(answer.status).toBe(201);
  }

  const names = (answer: Answer): string[] => (answer.json as any[]).map((p) => p.name);
  const entries = async (resourceType: string, resource: string) => (await auditEntries(api.app)).filter((e) => e.resourceType === resourceType && e.resource === resource);

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    for (const name of ['alice', 'bob', 'carol']) await createUser(name);
  });

  afterAll(async () => {
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  describe('create and read', () => {
    it('creates a project: 201 with Location, Harbor fields, the creator as projectAdmin, audited', async () => {
      const id = await createProject({ project_name: 'alpha', metadata: { auto_scan: 'true' } });
      const byId = await call('GET', `/projects/${id}`);
      expect(byId.status).toBe(200);
      expect(Object.keys(byId.json).sort()).toEqual(PROJECT_FIELDS);
      expect(byId.json).toMatchObject({
        project_id: id,
        name: 'alpha',
        owner_name: 'admin',
        registry_id: null,
        deleted: false,
        repo_count: 0,
        metadata: { public: 'false', auto_scan: 'true' },
        current_user_role_id: 1,
        current_user_role_ids: [1],
      });
      const byName = await call('GET', '/projects/alpha');
      expect(byName.json).toEqual(byId.json);
      const members = await call('GET', '/projects/alpha/members');
      expect(members.json).toEqual([expect.objectContaining({ entity_name: 'admin', role_id: 1, role_name: 'projectAdmin' })]);
      expect(await entries('project', 'alpha')).toEqual([
        expect.objectContaining({ projectId: id, operation: 'create', username: 'admin', clientIp: '127.0.0.1', userAgent: expect.any(String) }),
      ]);
    });

    it('has the entry in audit_log as soon as the answer arrives (written in the transaction of the change, nothing to flush)', async () => {
      const rows = await db.query(`SELECT operation, resource_type, resource, username FROM audit_log WHERE resource = 'alpha'`);
      expect(rows.rows).toEqual([{ operation: 'create', resource_type: 'project', resource: 'alpha', username: 'admin' }]);
    });

    it('takes `public` as a shorthand that wins over metadata.public', async () => {
      await createProject({ project_name: 'shorthand', public: true, metadata: { public: 'false' } });
      expect((await call('GET', '/projects/shorthand')).json.metadata.public).toBe('true');
    });

    it('lets any user create a project, who becomes its projectAdmin; the default quota needs no privilege', async () => {
      const id = await createProject({ project_name: 'alice-own', storage_limit: -1 }, users.alice);
      const read = await call('GET', `/projects/${id}`, { auth: users.alice });
      expect(read.status).toBe(200);
      expect(read.json).toMatchObject({ owner_id: users.alice.id, owner_name: 'alice', current_user_role_id: 1, current_user_role_ids: [1] });
      // what the admin sees: no role of their own
      expect((await call('GET', `/projects/${id}`)).json).toMatchObject({ current_user_role_id: 0, current_user_role_ids: [] });
    });

    it('keeps other quotas and proxy-cache projects for system admins (403 for others)', async () => {
      const quota = await call('POST', '/projects', { auth: users.alice, body: { project_name: 'alice-big', storage_limit: 1_000_000 } });
      expect(quota.status).toBe(403);
      expect(errorMessage(quota)).toMatch(/storage limit/);
      const proxy = await call('POST', '/projects', { auth: users.alice, body: { project_name: 'alice-proxy', registry_id: 1 } });
      expect(proxy.status).toBe(403);
      expect(errorCode(proxy)).toBe('FORBIDDEN');
      expect((await call('HEAD', '/projects?project_name=alice-big')).status).toBe(404);
      expect((await call('HEAD', '/projects?project_name=alice-proxy')).status).toBe(404);
      const endpoint = await call('POST', '/registries', { body: { name: 'projects-suite-hub', type: 'docker-hub' } });
      expect(endpoint.status).toBe(201);
      const registryId = Number(endpoint.headers.get('location')!.split('/').pop());
      const unknown = await call('POST', '/projects', { body: { project_name: 'admin-proxy', registry_id: registryId + 1000 } });
      expect(unknown.status).toBe(400);
      expect(errorMessage(unknown)).toMatch(/registry \d+ does not exist/);
      const id = await createProject({ project_name: 'admin-proxy', registry_id: registryId, storage_limit: 1_000_000 });
      expect((await call('GET', `/projects/${id}`)).json.registry_id).toBe(registryId);
      expect((await call('GET', `/projects/${id}/summary`)).json.quota.hard.storage).toBe(1_000_000);
    });

    it('refuses anonymous callers (401) and robots (403)', async () => {
      const anonymous = await call('POST', '/projects', { auth: null, body: { project_name: 'anon' } });
      expect(anonymous.status).toBe(401);
      const alpha = (await call('GET', '/projects/alpha')).json;
      const created = await api.app.get(RobotService).create(
        { name: 'reader', level: 'project', duration: -1, project: { id: alpha.project_id, name: 'alpha' }, permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'project', action: 'read' }] }] },
        'admin',
      );
      robot = { username: created.robot.name, password: created.secret };
      const byRobot = await call('POST', '/projects', { auth: robot, body: { project_name: 'robot-made' } });
      expect(byRobot.status).toBe(403);
      expect((await call('HEAD', '/projects?project_name=anon')).status).toBe(404);
      expect((await call('HEAD', '/projects?project_name=robot-made')).status).toBe(404);
    });

    it.each([
      ['upper-case letters', 'Upper'],
      ['a leading "-"', '-dash'],
      ['a leading "."', '.dot'],
      ['a leading "_"', '_under'],
      ['a space', 'with space'],
      ['a slash', 'a/b'],
      ['256 characters', 'a'.repeat(256)],
      ['an empty name', ''],
    ])('refuses a name with %s (400)', async (_case, project_name) => {
      const answer = await call('POST', '/projects', { body: { project_name } });
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe('BAD_REQUEST');
    });

    it('accepts a 255-character name and names with . _ - inside', async () => {
      await createProject({ project_name: 'a'.repeat(255) });
      await createProject({ project_name: '0.a_b-c' });
    });

    it.each([
      ['an unknown field', { project_name: 'odd1', colour: 'blue' }],
      ['an unknown metadata key', { project_name: 'odd2', metadata: { colour: 'blue' } }],
      ['a bad metadata value', { project_name: 'odd3', metadata: { public: 'yes' } }],
      ['a non-boolean public', { project_name: 'odd4', public: 'true' }],
      ['a storage_limit of 0', { project_name: 'odd5', storage_limit: 0 }],
      ['a storage_limit below -1', { project_name: 'odd6', storage_limit: -2 }],
      ['a fractional storage_limit', { project_name: 'odd7', storage_limit: 1.5 }],
      ['metadata that is not an object', { project_name: 'odd8', metadata: ['public'] }],
      ['no project_name', { public: true }],
    ])('refuses %s (400) and creates nothing', async (_case, body: Record<string, unknown>) => {
      const answer = await call('POST', '/projects', { body });
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe('BAD_REQUEST');
      if (typeof body.project_name === 'string') expect((await call('HEAD', `/projects?project_name=${body.project_name}`)).status).toBe(404);
    });

    it('refuses malformed JSON with 400', async () => {
      const answer = await call('POST', '/projects', { rawBody: '{"project_name":' });
      expect(answer.status).toBe(400);
    });

    it('answers 409 for a name already taken', async () => {
      const again = await call('POST', '/projects', { body: { project_name: 'alpha' } });
      expect(again.status).toBe(409);
      expect(errorCode(again)).toBe('CONFLICT');
    });

    it('HEAD tells logged-in callers whether a name exists; anonymous callers get 401', async () => {
      expect((await call('HEAD', '/projects?project_name=alpha')).status).toBe(200);
      expect((await call('HEAD', '/projects?project_name=alpha', { auth: users.bob })).status).toBe(200);
      expect((await call('HEAD', '/projects?project_name=nope')).status).toBe(404);
      expect((await call('HEAD', '/projects?project_name=alpha', { auth: null })).status).toBe(401);
      expect((await call('HEAD', '/projects')).status).toBe(400);
    });

    it('reads a numeric-looking name with X-Is-Resource-Name: true', async () => {
      const id = await createProject({ project_name: '424242', public: true });
      expect(id).not.toBe(424242);
      expect((await call('GET', '/projects/424242')).status).toBe(404);
      const byName = await call('GET', '/projects/424242', { headers: { 'X-Is-Resource-Name': 'true' } });
      expect(byName.status).toBe(200);
      expect(byName.json.project_id).toBe(id);
    });
  });

  describe('list', () => {
    beforeAll(async () => {
      for (let i = 1; i <= 12; i += 1) await createProject({ project_name: `page-${String(i).padStart(2, '0')}`, public: i % 2 === 0 });
      await createProject({ project_name: 'bob-private' }, users.bob);
      await createProject({ project_name: 'bob-public', public: true }, users.bob);
    });

    it('pages with X-Total-Count and Link (prev/next), sorted by name', async () => {
      const first = await call('GET', '/projects?name=page-&page=1&page_size=5');
      expect(first.status).toBe(200);
      expect(first.headers.get('x-total-count')).toBe('12');
      expect(names(first)).toEqual(['page-01', 'page-02', 'page-03', 'page-04', 'page-05']);
      const firstLink = first.headers.get('link')!;
      expect(firstLink).toContain('rel="next"');
      expect(firstLink).not.toContain('rel="prev"');
      expect(firstLink).toContain('page=2');

      const second = await call('GET', '/projects?name=page-&page=2&page_size=5');
      expect(names(second)).toEqual(['page-06', 'page-07', 'page-08', 'page-09', 'page-10']);
      expect(second.headers.get('link')).toMatch(/page=1.*rel="prev".*page=3.*rel="next"/);

      const last = await call('GET', '/projects?name=page-&page=3&page_size=5');
      expect(names(last)).toEqual(['page-11', 'page-12']);
      expect(last.headers.get('link')).toContain('rel="prev"');
      expect(last.headers.get('link')).not.toContain('rel="next"');
      expect(last.headers.get('x-total-count')).toBe('12');

      const beyond = await call('GET', '/projects?name=page-&page=9&page_size=5');
      expect(beyond.json).toEqual([]);
      expect(beyond.headers.get('x-total-count')).toBe('12');
    });

    it('gives every item the Harbor project shape', async () => {
      const answer = await call('GET', '/projects?name=page-02', { auth: users.alice });
      expect(answer.json).toHaveLength(1);
      expect(Object.keys(answer.json[0]).sort()).toEqual(PROJECT_FIELDS);
      expect(answer.json[0]).toMatchObject({ name: 'page-02', owner_name: 'admin', current_user_role_id: 0, current_user_role_ids: [] });
    });

    it('filters by public and owner, as parameters and in q', async () => {
      expect(names(await call('GET', '/projects?name=page-&public=true&page_size=100'))).toEqual(['page-02', 'page-04', 'page-06', 'page-08', 'page-10', 'page-12']);
      expect(names(await call('GET', `/projects?q=${encodeURIComponent('name=~page-,public=false')}&page_size=100`))).toEqual([
        'page-01',
        'page-03',
        'page-05',
        'page-07',
        'page-09',
        'page-11',
      ]);
      expect(names(await call('GET', '/projects?owner=bob'))).toEqual(['bob-private', 'bob-public']);
      expect(names(await call('GET', `/projects?q=${encodeURIComponent('owner=bob,public=true')}`))).toEqual(['bob-public']);
      expect((await call('GET', '/projects?with_detail=true&name=page-01')).json).toHaveLength(1);
    });

    it('q: name= is exact, name=~ a substring', async () => {
      expect(names(await call('GET', `/projects?q=${encodeURIComponent('name=page-1')}`))).toEqual([]);
      expect(names(await call('GET', `/projects?q=${encodeURIComponent('name=page-10')}`))).toEqual(['page-10']);
      // LIKE wildcards in a name are plain characters, exact or fuzzy
      expect(names(await call('GET', `/projects?q=${encodeURIComponent('name=page_10')}`))).toEqual([]);
      expect(names(await call('GET', `/projects?q=${encodeURIComponent('name=page%')}`))).toEqual([]);
      expect(names(await call('GET', `/projects?q=${encodeURIComponent('name=~ge_1')}`))).toEqual([]);
      expect(names(await call('GET', `/projects?q=${encodeURIComponent('name=~page-1')}`))).toEqual(['page-10', 'page-11', 'page-12']);
      // the raw (unencoded) form works too
      expect(names(await call('GET', '/projects?q=name=~ge-0'))).toEqual(['page-01', 'page-02', 'page-03', 'page-04', 'page-05', 'page-06', 'page-07', 'page-08', 'page-09']);
    });

    it.each([
      ['an unknown q key', `q=${encodeURIComponent('colour=blue')}`, /colour/],
      ['a malformed q', 'q=justtext', /malformed/],
      ['a range for name', `q=${encodeURIComponent('name=[a~b]')}`, /name/],
      ['a non-boolean public in q', `q=${encodeURIComponent('public=maybe')}`, /public/],
      ['a fuzzy owner', `q=${encodeURIComponent('owner=~bo')}`, /owner/],
      ['a non-boolean public', 'public=maybe', /public/],
      ['a page_size over 100', 'page_size=101', /page_size/],
      ['a page of 0', 'page=0', /page/],
      ['an unknown parameter', 'colour=blue', /colour/],
    ])('refuses %s (400)', async (_case, query, message) => {
      const answer = await call('GET', `/projects?${query}`);
      expect(answer.status).toBe(400);
      expect(errorMessage(answer)).toMatch(message);
    });

    it('shows anonymous callers public projects only', async () => {
      const answer = await call('GET', '/projects?page_size=100', { auth: null });
      expect(answer.status).toBe(200);
      const all = (await call('GET', '/projects?page_size=100')).json as any[];
      const publicNames = all.filter((p) => p.metadata.public === 'true').map((p) => p.name);
      expect(names(answer)).toEqual(publicNames);
      expect(names(answer)).toContain('bob-public');
      expect(names(answer)).not.toContain('bob-private');
      expect(answer.headers.get('x-total-count')).toBe(String(publicNames.length));
      expect((answer.json as any[]).every((p) => p.current_user_role_id === 0)).toBe(true);
    });

    it('shows users public projects plus their own; system admins everything', async () => {
      const carol = names(await call('GET', '/projects?page_size=100', { auth: users.carol }));
      expect(carol).toContain('bob-public');
      expect(carol).not.toContain('bob-private');
      expect(carol).not.toContain('alpha');
      const bob = await call('GET', '/projects?page_size=100', { auth: users.bob });
      expect(names(bob)).toContain('bob-private');
      expect((bob.json as any[]).find((p) => p.name === 'bob-private')).toMatchObject({ current_user_role_id: 1, current_user_role_ids: [1] });
      const admin = names(await call('GET', '/projects?page_size=100'));
      expect(admin).toEqual(expect.arrayContaining(['alpha', 'bob-private', 'bob-public', 'alice-own']));
      expect(Number((await call('GET', '/projects')).headers.get('x-total-count'))).toBe((await db.query('SELECT 1 FROM project')).rowCount);
    });

    it('shows a robot the projects its permissions name', async () => {
      const answer = await call('GET', '/projects?page_size=100', { auth: robot });
      expect(answer.status).toBe(200);
      expect(names(answer)).toContain('alpha');
      expect(names(answer)).not.toContain('bob-private');
      expect((answer.json as any[]).find((p) => p.name === 'alpha').current_user_role_id).toBe(0);
    });
  });

  describe('visibility of a single project', () => {
    it('answers 404, never 403, to whoever cannot read a private project, however it is named', async () => {
      const id = (await call('GET', '/projects/bob-private', { auth: users.bob })).json.project_id;
      for (const auth of [users.carol, null, robot]) {
        for (const path of ['/projects/bob-private', `/projects/${id}`, '/projects/bob-private/summary', '/projects/bob-private/_deletable', '/projects/bob-private/metadatas']) {
          const answer = await call('GET', path, { auth });
          expect({ path, status: answer.status }).toEqual({ path, status: 404 });
          expect(errorCode(answer)).toBe('NOT_FOUND');
        }
        expect((await call('PUT', '/projects/bob-private', { auth, body: { public: true } })).status).toBe(404);
        expect((await call('DELETE', '/projects/bob-private', { auth })).status).toBe(404);
      }
      // the same answer as for a project that does not exist
      const missing = await call('GET', '/projects/no-such-project', { auth: users.carol });
      expect(missing.status).toBe(404);
      expect(errorMessage(await call('GET', '/projects/bob-private', { auth: users.carol }))).toBe(errorMessage(missing).replace('no-such-project', 'bob-private'));
    });

    it('lets members read it, and anyone read a public one', async () => {
      expect((await call('GET', '/projects/bob-private', { auth: users.bob })).status).toBe(200);
      await addMember('bob-private', 'carol', 3);
      const asGuest = await call('GET', '/projects/bob-private', { auth: users.carol });
      expect(asGuest.status).toBe(200);
      expect(asGuest.json).toMatchObject({ current_user_role_id: 3, current_user_role_ids: [3] });
      expect((await call('GET', '/projects/bob-public', { auth: null })).status).toBe(200);
      expect((await call('GET', '/projects/bob-public', { auth: users.alice })).json.current_user_role_id).toBe(0);
    });

    it('answers 401 to anonymous writes on a public project, 403 to non-members', async () => {
      expect((await call('PUT', '/projects/bob-public', { auth: null, body: { public: false } })).status).toBe(401);
      expect((await call('PUT', '/projects/bob-public', { auth: users.alice, body: { public: false } })).status).toBe(403);
      expect((await call('DELETE', '/projects/bob-public', { auth: users.alice })).status).toBe(403);
      expect((await call('GET', '/projects/bob-public')).json.metadata.public).toBe('true');
    });
  });

  describe('update', () => {
    it('changes public and metadata (200), audited', async () => {
      const answer = await call('PUT', '/projects/alpha', { body: { public: true, metadata: { prevent_vul: 'true', severity: 'high' } } });
      expect(answer.status).toBe(200);
      const read = await call('GET', '/projects/alpha', { auth: null });
      expect(read.status).toBe(200);
      expect(read.json.metadata).toEqual({ public: 'true', auto_scan: 'true', prevent_vul: 'true', severity: 'high' });
      expect((await entries('project', 'alpha')).map((e) => e.operation)).toEqual(['create', 'update']);
      expect((await call('PUT', '/projects/alpha', { body: { public: false } })).status).toBe(200);
      expect((await call('GET', '/projects/alpha', { auth: null })).status).toBe(404);
    });

    it('lets a project admin update their project but not its storage limit; a system admin may', async () => {
      expect((await call('PUT', '/projects/alice-own', { auth: users.alice, body: { metadata: { auto_scan: 'true' } } })).status).toBe(200);
      const quota = await call('PUT', '/projects/alice-own', { auth: users.alice, body: { storage_limit: 5000 } });
      expect(quota.status).toBe(403);
      // sending back the current limit is no change
      expect((await call('PUT', '/projects/alice-own', { auth: users.alice, body: { storage_limit: -1, project_name: 'alice-own', registry_id: null } })).status).toBe(200);
      expect((await call('GET', '/projects/alice-own/summary', { auth: users.alice })).json.quota.hard.storage).toBe(-1);
      expect((await call('PUT', '/projects/alice-own', { body: { storage_limit: 5000 } })).status).toBe(200);
      expect((await call('GET', '/projects/alice-own/summary', { auth: users.alice })).json.quota.hard.storage).toBe(5000);
    });

    it.each([
      ['a rename', { project_name: 'renamed' }, 400],
      ['a registry change', { registry_id: 3 }, 400],
      ['an unknown field', { colour: 'blue' }, 400],
      ['an unknown metadata key', { metadata: { colour: 'blue' } }, 400],
      ['a storage_limit of 0', { storage_limit: 0 }, 400],
    ])('refuses %s', async (_case, body, status) => {
      const answer = await call('PUT', '/projects/alpha', { body });
      expect(answer.status).toBe(status);
      expect((await call('GET', '/projects/alpha')).json.name).toBe('alpha');
    });

    it('answers 404 for an unknown project', async () => {
      expect((await call('PUT', '/projects/no-such-project', { body: { public: true } })).status).toBe(404);
    });
  });

  describe('metadata', () => {
    it('lists, adds, reads, updates and deletes keys; audited', async () => {
      expect((await call('GET', '/projects/alpha/metadatas')).json).toEqual({ public: 'false', auto_scan: 'true', prevent_vul: 'true', severity: 'high' });
      expect((await call('POST', '/projects/alpha/metadatas', { body: { reuse_sys_cve_allowlist: 'true', enable_content_trust: false } })).status).toBe(200);
      expect((await call('GET', '/projects/alpha/metadatas/enable_content_trust')).json).toEqual({ enable_content_trust: 'false' });
      expect((await call('PUT', '/projects/alpha/metadatas/severity', { body: { severity: 'critical' } })).status).toBe(200);
      expect((await call('GET', '/projects/alpha/metadatas/severity')).json).toEqual({ severity: 'critical' });
      expect((await call('DELETE', '/projects/alpha/metadatas/severity')).status).toBe(200);
      expect((await call('GET', '/projects/alpha/metadatas/severity')).status).toBe(404);
      expect((await call('DELETE', '/projects/alpha/metadatas/severity')).status).toBe(404);
      expect((await call('GET', '/projects/alpha')).json.metadata).toEqual({
        public: 'false',
        auto_scan: 'true',
        prevent_vul: 'true',
        reuse_sys_cve_allowlist: 'true',
        enable_content_trust: 'false',
      });
      const metadataOps = (await auditEntries(api.app)).filter((e) => e.resourceType === 'metadata' && e.resource.startsWith('alpha:'));
      expect(metadataOps.map((e) => `${e.operation} ${e.resource}`)).toEqual([
        'create alpha:reuse_sys_cve_allowlist',
        'create alpha:enable_content_trust',
        'update alpha:severity',
        'delete alpha:severity',
      ]);
    });

    it('changing the public key changes who can see the project', async () => {
      expect((await call('PUT', '/projects/alpha/metadatas/public', { body: { public: 'true' } })).status).toBe(200);
      expect((await call('GET', '/projects/alpha', { auth: null })).status).toBe(200);
      expect((await call('PUT', '/projects/alpha/metadatas/public', { body: { public: 'false' } })).status).toBe(200);
      expect((await call('GET', '/projects/alpha', { auth: null })).status).toBe(404);
    });

    it.each([
      ['POST', '/projects/alpha/metadatas', { colour: 'blue' }],
      ['POST', '/projects/alpha/metadatas', { auto_scan: 'maybe' }],
      ['POST', '/projects/alpha/metadatas', {}],
      ['POST', '/projects/alpha/metadatas', ['auto_scan']],
      ['PUT', '/projects/alpha/metadatas/auto_scan', { severity: 'low' }],
      ['PUT', '/projects/alpha/metadatas/auto_scan', { auto_scan: 'true', severity: 'low' }],
      ['PUT', '/projects/alpha/metadatas/colour', { colour: 'blue' }],
      ['GET', '/projects/alpha/metadatas/colour', undefined],
      ['DELETE', '/projects/alpha/metadatas/colour', undefined],
      ['DELETE', '/projects/alpha/metadatas/public', undefined],
    ])('refuses %s %s %j (400)', async (method, path, body) => {
      const answer = await call(method, path, { body });
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe('BAD_REQUEST');
    });
  });

  describe('summary', () => {
    it('counts repositories, members by role and the quota', async () => {
      await createProject({ project_name: 'summed', storage_limit: 1_000_000 });
      for (const [name, role] of [['alice', 2], ['bob', 3], ['carol', 5]] as const) await addMember('summed', name, role);
      const empty = await call('GET', '/projects/summed/summary');
      expect(empty.status).toBe(200);
      expect(empty.json).toEqual({
        repo_count: 0,
        project_admin_count: 1,
        maintainer_count: 0,
        developer_count: 1,
        guest_count: 1,
        limited_guest_count: 1,
        quota: { hard: { storage: 1_000_000 }, used: { storage: 0 } },
        registry_id: null,
      });
      const registry = new RegistryClient(api.url);
      const image = await registry.pushImage('summed/app', 'v1', { layers: 2, layerSize: 1000 });
      const config = JSON.parse(image.manifest.toString()).config.size as number;
      const after = await call('GET', '/projects/summed/summary', { auth: users.alice });
      expect(after.json.repo_count).toBe(1);
      expect(after.json.quota.used.storage).toBe(config + 2000 + image.manifest.length);
    });

    it('shows member counts only to those who may list members (a limitedGuest may not)', async () => {
      const limited = await call('GET', '/projects/summed/summary', { auth: users.carol });
      expect(limited.status).toBe(200);
      expect(limited.json.repo_count).toBe(1);
      expect(limited.json.quota).toBeDefined();
      expect(limited.json.guest_count).toBeUndefined();
      expect((await call('GET', '/projects/summed/summary', { auth: users.bob })).json.guest_count).toBe(1);
    });
  });

  describe('delete', () => {
    it('deletes an empty project (200): _deletable says so first; its members go too; audited', async () => {
      const id = await createProject({ project_name: 'doomed' });
      await addMember('doomed', 'bob', 2);
      const deletable = await call('GET', '/projects/doomed/_deletable');
      expect(deletable.status).toBe(200);
      expect(deletable.json).toEqual({ deletable: true, message: '' });
      expect((await call('DELETE', '/projects/doomed')).status).toBe(200);
      expect((await call('GET', '/projects/doomed')).status).toBe(404);
      expect((await call('GET', `/projects/${id}`)).status).toBe(404);
      expect((await db.query('SELECT 1 FROM project_member WHERE project_id = $1', [id])).rowCount).toBe(0);
      expect((await entries('project', 'doomed')).map((e) => e.operation)).toEqual(['create', 'delete']);
      expect((await call('DELETE', '/projects/doomed')).status).toBe(404);
    });

    it('refuses a project with repositories: 412 saying why; _deletable says the same', async () => {
      const deletable = await call('GET', '/projects/summed/_deletable');
      expect(deletable.json.deletable).toBe(false);
      expect(deletable.json.message).toMatch(/1 repositor/);
      const refused = await call('DELETE', '/projects/summed');
      expect(refused.status).toBe(412);
      expect(errorMessage(refused)).toMatch(/contains 1 repositor/);
      expect((await call('GET', '/projects/summed')).status).toBe(200);
      expect((await entries('project', 'summed')).map((e) => e.operation)).toEqual(['create']);
    });

    it('needs project:delete (a developer gets 403 on both)', async () => {
      expect((await call('GET', '/projects/summed/_deletable', { auth: users.alice })).status).toBe(403);
      expect((await call('DELETE', '/projects/summed', { auth: users.alice })).status).toBe(403);
    });
  });

  describe('configurations', () => {
    it('shows and sets the default quota (system admins only)', async () => {
      // the other Harbor keys are covered by test/management/harbor-system.e2e-spec.ts
      expect((await call('GET', '/configurations')).json).toMatchObject({ storage_per_project: { value: -1, editable: true }, webhook_allow_local_network: { value: false, editable: true } });
      expect((await call('PUT', '/configurations', { body: { storage_per_project: 123456 } })).status).toBe(200);
      expect((await call('GET', '/configurations')).json.storage_per_project.value).toBe(123456);
      await createProject({ project_name: 'defaulted' }, users.carol);
      expect((await call('GET', '/projects/defaulted/summary', { auth: users.carol })).json.quota.hard.storage).toBe(123456);
      // a project created before keeps its limit
      expect((await call('GET', '/projects/alpha/summary')).json.quota.hard.storage).toBe(-1);
      expect((await auditEntries(api.app)).filter((e) => e.resourceType === 'configuration')).toEqual([
        expect.objectContaining({ projectId: null, operation: 'update', resource: 'storage_per_project', username: 'admin' }),
      ]);
      expect((await call('PUT', '/configurations', { body: { storage_per_project: -1 } })).status).toBe(200);
    });

    it('refuses non-admins (403) and anonymous callers (401)', async () => {
      expect((await call('GET', '/configurations', { auth: users.alice })).status).toBe(403);
      expect((await call('PUT', '/configurations', { auth: users.alice, body: { storage_per_project: 1 } })).status).toBe(403);
      expect((await call('GET', '/configurations', { auth: null })).status).toBe(401);
      expect((await call('GET', '/configurations', { auth: robot })).status).toBe(403);
    });

    it.each([[{ storage_per_project: 0 }], [{ storage_per_project: -2 }], [{ storage_per_project: 'lots' }], [{ storage_per_project: 1.5 }], [{ auth_mode: 'ldap_auth' }], [{ webhook_allow_local_network: 'yes' }], [{ webhook_allow_local_network: true, storage_per_project: 0 }]])(
      'refuses %j (400)',
      async (body) => {
        expect((await call('PUT', '/configurations', { body })).status).toBe(400);
        expect((await call('GET', '/configurations')).json).toMatchObject({ storage_per_project: { value: -1 }, webhook_allow_local_network: { value: false } });
      },
    );
  });
});
