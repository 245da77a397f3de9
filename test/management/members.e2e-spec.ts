import { UserService } from '@wharf/iam';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { callApi, type ApiAnswer as Answer, type ApiCallOptions } from '../support/management-api';
import { auditEntries } from '../support/audit-entries';


type Role = 'projectAdmin' | 'maintainer' | 'developer' | 'guest' | 'limitedGuest';
const ROLE_IDS: Record<Role, number> = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 };
const MEMBER_FIELDS = ['entity_id', 'entity_name', 'entity_type', 'id', 'project_id', 'role_id', 'role_name'];

describe('management API: /api/v2.0/projects/{p}/members', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  const users: Record<string, Credentials & { id: number }> = {};
  /** member ids in project "team", by user name */
  const memberIds: Record<string, number> = {};

  async function call(method: string, path: string, options: ApiCallOptions = {}): Promise<Answer> {
    const answer = await callApi(api.url, method, path, options);
    for (const secret of [TEST_ADMIN.password, ...Object.values(users).map((u) => u.password)]) expect(answer.text).not.toContain(secret);
    return answer;
  }

  const errorCode = (answer: Answer): string | undefined => answer.json?.errors?.[0]?.code;

  async function createUser(username: string): Promise<void> {
    const password = `Pass-${username}-1A`;
    const user = await api.app.get(UserService).create({ username, password });
    users[username] = { username, password, id: user.user_id };
  }

  /** POST a member expecting 201; returns the member id from Location. */
  async function addMember(project: string, memberUser: { username?: string; user_id?: number }, role: number, auth: Credentials = TEST_ADMIN): Promise<number> {
    const answer = await call('POST', `/projects/${project}/members`, { auth, body: { role_id: role, member_user: memberUser } });
    expect(answer.status).toBe(201);
    const location = answer.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^/api/v2\\.0/projects/${project}/members/\\d+$`));
    return Number(location.split('/').pop());
  }

  const memberEntries = async () => (await auditEntries(api.app)).filter((entry) => entry.resourceType === 'member');

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    for (const name of ['pa', 'ma', 'dev', 'guest', 'lg', 'outsider', 'newcomer', 'other']) await createUser(name);
    expect((await call('POST', '/projects', { body: { project_name: 'team' } })).status).toBe(201);
    expect((await call('POST', '/projects', { body: { project_name: 'elsewhere' } })).status).toBe(201);
    memberIds.pa = await addMember('team', { username: 'pa' }, ROLE_IDS.projectAdmin);
    memberIds.ma = await addMember('team', { user_id: users.ma.id }, ROLE_IDS.maintainer);
    memberIds.dev = await addMember('team', { username: 'dev', user_id: users.dev.id }, ROLE_IDS.developer);
    memberIds.guest = await addMember('team', { username: 'guest' }, ROLE_IDS.guest);
    memberIds.lg = await addMember('team', { username: 'lg' }, ROLE_IDS.limitedGuest);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  describe('add, read, list', () => {
    it('reads a member in Harbor shape', async () => {
      const answer = await call('GET', `/projects/team/members/${memberIds.dev}`);
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.json).sort()).toEqual(MEMBER_FIELDS);
      expect(answer.json).toMatchObject({ id: memberIds.dev, entity_id: users.dev.id, entity_name: 'dev', entity_type: 'u', role_id: 2, role_name: 'developer' });
    });

    it('lists members with paging headers and the entityname filter', async () => {
      const all = await call('GET', '/projects/team/members?page_size=100');
      expect(all.headers.get('x-total-count')).toBe('6');
      expect((all.json as any[]).map((m) => `${m.entity_name}:${m.role_name}`)).toEqual([
        'admin:projectAdmin',
        'pa:projectAdmin',
        'ma:maintainer',
        'dev:developer',
        'guest:guest',
        'lg:limitedGuest',
      ]);
      const page = await call('GET', '/projects/team/members?page=2&page_size=4');
      expect((page.json as any[]).map((m) => m.entity_name)).toEqual(['guest', 'lg']);
      expect(page.headers.get('link')).toContain('rel="prev"');
      expect(page.headers.get('link')).not.toContain('rel="next"');
      const filtered = await call('GET', '/projects/team/members?entityname=g');
      expect((filtered.json as any[]).map((m) => m.entity_name)).toEqual(['guest', 'lg']);
      expect(filtered.headers.get('x-total-count')).toBe('2');
      expect((await call('GET', '/projects/team/members?q=name%3Dx')).status).toBe(400);
    });

    it('audits each addition', async () => {
      expect((await memberEntries()).filter((e) => e.operation === 'create').map((e) => e.resource)).toEqual(['team:pa', 'team:ma', 'team:dev', 'team:guest', 'team:lg']);
    });

    it('answers 404 for an unknown user, by name or id, and adds nothing', async () => {
      const byName = await call('POST', '/projects/team/members', { body: { role_id: 2, member_user: { username: 'ghost' } } });
      expect(byName.status).toBe(404);
      expect(errorCode(byName)).toBe('NOT_FOUND');
      expect((await call('POST', '/projects/team/members', { body: { role_id: 2, member_user: { user_id: 999999 } } })).status).toBe(404);
      expect((await call('GET', '/projects/team/members')).headers.get('x-total-count')).toBe('6');
    });

    it('answers 409 for a user who already is a member', async () => {
      const again = await call('POST', '/projects/team/members', { body: { role_id: 3, member_user: { username: 'dev' } } });
      expect(again.status).toBe(409);
      expect(errorCode(again)).toBe('CONFLICT');
      expect((await call('GET', `/projects/team/members/${memberIds.dev}`)).json.role_id).toBe(2);
    });

    it.each([
      ['role_id 0', { role_id: 0, member_user: { username: 'newcomer' } }],
      ['role_id 6', { role_id: 6, member_user: { username: 'newcomer' } }],
      ['a role_id as text', { role_id: '2', member_user: { username: 'newcomer' } }],
      ['no role_id', { member_user: { username: 'newcomer' } }],
      ['no member_user', { role_id: 2 }],
      ['an empty member_user', { role_id: 2, member_user: {} }],
      ['a user_id and a username of different users', { role_id: 2, member_user: { username: 'newcomer', user_id: 1 } }],
      ['an unknown member_user field', { role_id: 2, member_user: { username: 'newcomer', email: 'x@example.com' } }],
      ['a member_group (groups are not supported)', { role_id: 2, member_group: { group_name: 'devs' } }],
      ['an unknown field', { role_id: 2, member_user: { username: 'newcomer' }, colour: 'blue' }],
    ])('refuses %s (400)', async (_case, body) => {
      const answer = await call('POST', '/projects/team/members', { body });
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe('BAD_REQUEST');
    });

    it('answers 404 for an unknown member id, or a member of another project', async () => {
      const elsewhere = await addMember('elsewhere', { username: 'other' }, 2);
      for (const id of [999999, elsewhere]) {
        expect((await call('GET', `/projects/team/members/${id}`)).status).toBe(404);
        expect((await call('PUT', `/projects/team/members/${id}`, { body: { role_id: 3 } })).status).toBe(404);
        expect((await call('DELETE', `/projects/team/members/${id}`)).status).toBe(404);
      }
      expect((await call('GET', `/projects/elsewhere/members/${elsewhere}`)).json.role_id).toBe(2);
      expect((await call('GET', '/projects/team/members/abc')).status).toBe(400);
    });
  });

  describe("each role's effect on management actions", () => {
    type Action = [label: string, method: string, path: string, body?: unknown];
    const actions: Action[] = [
      ['read the project', 'GET', '/projects/team'],
      ['read the summary', 'GET', '/projects/team/summary'],
      ['list metadata', 'GET', '/projects/team/metadatas'],
      ['read a metadata key', 'GET', '/projects/team/metadatas/public'],
      ['list members', 'GET', '/projects/team/members'],
      ['read a member', 'GET', '/projects/team/members/MEMBER'],
      ['update the project', 'PUT', '/projects/team', { metadata: { auto_scan: 'false' } }],
      ['add metadata', 'POST', '/projects/team/metadatas', { auto_scan: 'false' }],
      ['update metadata', 'PUT', '/projects/team/metadatas/auto_scan', { auto_scan: 'false' }],
      ['ask whether it is deletable', 'GET', '/projects/team/_deletable'],
      ['add a member', 'POST', '/projects/team/members', { role_id: 3, member_user: { username: 'newcomer' } }],
    ];
    // expected status per role, in the order of `actions`
    const expected: Record<Role | 'outsider' | 'anonymous', number[]> = {
      projectAdmin: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201],
      maintainer: [200, 200, 200, 200, 200, 200, 403, 403, 403, 403, 403],
      developer: [200, 200, 200, 200, 200, 200, 403, 403, 403, 403, 403],
      guest: [200, 200, 200, 200, 200, 200, 403, 403, 403, 403, 403],
      limitedGuest: [200, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403],
      outsider: [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
      anonymous: [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    };
    const login: Record<keyof typeof expected, string | null> = {
      projectAdmin: 'pa',
      maintainer: 'ma',
      developer: 'dev',
      guest: 'guest',
      limitedGuest: 'lg',
      outsider: 'outsider',
      anonymous: null,
    };

    it.each(Object.keys(expected) as (keyof typeof expected)[])('%s', async (role) => {
      const auth = login[role] === null ? null : users[login[role]!];
      const got: number[] = [];
      for (const [, method, path, body] of actions) {
        const answer = await call(method, path.replace('MEMBER', String(memberIds.ma)), { auth, body });
        got.push(answer.status);
        if (answer.status === 201) {
          // undo the addition so the next role's attempt is a fresh one
          const id = Number(answer.headers.get('location')!.split('/').pop());
          expect((await call('DELETE', `/projects/team/members/${id}`)).status).toBe(200);
        }
      }
      expect(Object.fromEntries(actions.map(([label], i) => [label, got[i]]))).toEqual(Object.fromEntries(actions.map(([label], i) => [label, expected[role][i]])));
    });

    it('lets a project admin add, re-role and remove members; a maintainer may not', async () => {
      const id = await addMember('team', { username: 'newcomer' }, ROLE_IDS.guest, users.pa);
      expect((await call('PUT', `/projects/team/members/${id}`, { auth: users.ma, body: { role_id: 2 } })).status).toBe(403);
      expect((await call('DELETE', `/projects/team/members/${id}`, { auth: users.ma })).status).toBe(403);
      expect((await call('PUT', `/projects/team/members/${id}`, { auth: users.pa, body: { role_id: 2 } })).status).toBe(200);
      expect((await call('GET', `/projects/team/members/${id}`, { auth: users.pa })).json).toMatchObject({ role_id: 2, role_name: 'developer' });
      expect((await call('DELETE', `/projects/team/members/${id}`, { auth: users.pa })).status).toBe(200);
      expect((await call('GET', `/projects/team/members/${id}`, { auth: users.pa })).status).toBe(404);
      // no longer a member of a private project: it is gone for them
      expect((await call('GET', '/projects/team', { auth: users.newcomer })).status).toBe(404);
      const ops = (await memberEntries())
        .filter((e) => e.resource === 'team:newcomer')
        .map((e) => `${e.operation} by ${e.username}`);
      expect(ops.slice(-3)).toEqual(['create by pa', 'update by pa', 'delete by pa']);
    });

    it('a role change changes what the member may do at once', async () => {
      expect((await call('PUT', '/projects/team', { auth: users.guest, body: { metadata: { auto_scan: 'true' } } })).status).toBe(403);
      expect((await call('PUT', `/projects/team/members/${memberIds.guest}`, { auth: users.pa, body: { role_id: ROLE_IDS.projectAdmin } })).status).toBe(200);
      expect((await call('PUT', '/projects/team', { auth: users.guest, body: { metadata: { auto_scan: 'true' } } })).status).toBe(200);
      expect((await call('GET', '/projects/team', { auth: users.guest })).json.current_user_role_id).toBe(1);
      expect((await call('PUT', `/projects/team/members/${memberIds.guest}`, { auth: users.pa, body: { role_id: ROLE_IDS.limitedGuest } })).status).toBe(200);
      expect((await call('GET', '/projects/team/members', { auth: users.guest })).status).toBe(403);
      expect((await call('PUT', `/projects/team/members/${memberIds.guest}`, { auth: users.pa, body: { role_id: ROLE_IDS.guest } })).status).toBe(200);
      expect((await call('GET', '/projects/team/members', { auth: users.guest })).status).toBe(200);
    });

    it('refuses bad role updates (400)', async () => {
      for (const body of [{ role_id: 0 }, { role_id: 9 }, {}, { role_id: 2, extra: true }]) {
        expect((await call('PUT', `/projects/team/members/${memberIds.dev}`, { auth: users.pa, body })).status).toBe(400);
      }
      expect((await call('GET', `/projects/team/members/${memberIds.dev}`)).json.role_id).toBe(2);
    });

    it('refuses a project admin changing or removing their own membership (403); a system admin may change it', async () => {
      const demote = await call('PUT', `/projects/team/members/${memberIds.pa}`, { auth: users.pa, body: { role_id: ROLE_IDS.guest } });
      expect(demote.status).toBe(403);
      expect(demote.json.errors[0].message).toMatch(/your own role/);
      expect((await call('DELETE', `/projects/team/members/${memberIds.pa}`, { auth: users.pa })).status).toBe(403);
      expect((await call('GET', `/projects/team/members/${memberIds.pa}`)).json.role_id).toBe(1);
      expect((await call('PUT', `/projects/team/members/${memberIds.pa}`, { body: { role_id: ROLE_IDS.maintainer } })).status).toBe(200);
      expect((await call('PUT', '/projects/team', { auth: users.pa, body: { metadata: { auto_scan: 'true' } } })).status).toBe(403);
      expect((await call('PUT', `/projects/team/members/${memberIds.pa}`, { body: { role_id: ROLE_IDS.projectAdmin } })).status).toBe(200);
    });
  });
});
