import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { callApi, type ApiAnswer as Answer, type ApiCallOptions } from '../support/management-api';
import { auditEntries } from '../support/audit-entries';


const USER_FIELDS = ['comment', 'creation_time', 'email', 'realname', 'sysadmin_flag', 'update_time', 'user_id', 'username'];

describe('management API: /api/v2.0/users', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  /** every password this suite has used: none may ever appear in an answer */
  const passwords = new Set<string>([TEST_ADMIN.password]);

  /** One management-API call; checks that no answer carries a password, a hash or a hash's field name. */
  async function call(method: string, path: string, options: ApiCallOptions = {}): Promise<Answer> {
    const answer = await callApi(api.url, method, path, options);
    const text = answer.text;
    expect(text).not.toContain('password_hash');
    expect(text).not.toContain('$scrypt$');
    for (const password of passwords) expect(text).not.toContain(password);
    return answer;
  }

  let sequence = 0;
  /** A new user through the API (as the admin); returns its id and credentials. */
  async function createUser(prefix: string, extra: Record<string, unknown> = {}): Promise<{ id: number; credentials: Credentials }> {
    sequence += 1;
    const credentials = { username: `${prefix}${sequence}`, password: `Secret-Pass-${sequence}x` };
    passwords.add(credentials.password);
    const answer = await call('POST', '/users', { body: { ...credentials, email: `${credentials.username}@example.com`, realname: 'Test User', ...extra } });
    expect(answer.status).toBe(201);
    return { id: Number(/\/api\/v2\.0\/users\/(\d+)$/.exec(answer.headers.get('location') ?? '')![1]), credentials };
  }

  const errorCode = (answer: Answer): string | undefined => answer.json?.errors?.[0]?.code;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
  });

  /** Written in the change's transaction: committed by the time the answer arrives. */
  const userEntries = async (resource: string) => (await auditEntries(api.app)).filter((entry) => entry.resourceType === 'user' && entry.resource === resource);

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  describe('POST /users', () => {
    it('creates a user (201 + Location) that can then log in, with Harbor field names and nothing secret', async () => {
      passwords.add('Create-Me-1');
      const created = await call('POST', '/users', {
        body: { username: 'creation', email: 'creation@example.com', realname: 'Cre Ation', password: 'Create-Me-1', comment: 'first' },
      });
      expect(created.status).toBe(201);
      expect(created.text).toBe('');
      const location = created.headers.get('location')!;
      expect(location).toMatch(/^\/api\/v2\.0\/users\/\d+$/);

      const read = await call('GET', location.replace('/api/v2.0', ''));
      expect(read.status).toBe(200);
      expect(Object.keys(read.json).sort()).toEqual(USER_FIELDS);
      expect(read.json).toMatchObject({ username: 'creation', email: 'creation@example.com', realname: 'Cre Ation', comment: 'first', sysadmin_flag: false });
      expect(`/api/v2.0/users/${read.json.user_id}`).toBe(location);

      const current = await call('GET', '/users/current', { auth: { username: 'creation', password: 'Create-Me-1' } });
      expect(current.status).toBe(200);
      expect(current.json.username).toBe('creation');
    });

    it('accepts a user with only a username and password', async () => {
      passwords.add('Minimal-Pass-1');
      expect((await call('POST', '/users', { body: { username: 'minimal', password: 'Minimal-Pass-1' } })).status).toBe(201);
    });

    it.each([
      ['an unknown field', { username: 'u-unknown', password: 'Valid-Pass-1', sysadmin_flag: true }],
      ['a weak password (no digit)', { username: 'u-weak', password: 'NoDigitsHere' }],
      ['a weak password (too short)', { username: 'u-short', password: 'Ab1' }],
      ['a weak password (no upper case)', { username: 'u-lower', password: 'lowercase-only-1' }],
      ['no password', { username: 'u-nopass' }],
      ['an empty username', { username: '', password: 'Valid-Pass-1' }],
      ['a username with a space', { username: 'john doe', password: 'Valid-Pass-1' }],
      ['a username with a colon', { username: 'john:doe', password: 'Valid-Pass-1' }],
      ['a username with a comma', { username: 'john,doe', password: 'Valid-Pass-1' }],
      ['a username with a quote', { username: 'john"doe', password: 'Valid-Pass-1' }],
      ['a username with ~', { username: 'john~doe', password: 'Valid-Pass-1' }],
      ['a username with #', { username: 'john#doe', password: 'Valid-Pass-1' }],
      ['a username with %', { username: 'john%doe', password: 'Valid-Pass-1' }],
      ['a username with a control character', { username: 'john\u0001doe', password: 'Valid-Pass-1' }],
      ['a robot$ username', { username: 'robot$ci', password: 'Valid-Pass-1' }],
      ['a 256-character username', { username: 'a'.repeat(256), password: 'Valid-Pass-1' }],
      ['a malformed email', { username: 'u-mail', password: 'Valid-Pass-1', email: 'not-an-email' }],
      ['a realname with $', { username: 'u-real', password: 'Valid-Pass-1', realname: 'Rich $ Man' }],
      ['a non-string username', { username: 42, password: 'Valid-Pass-1' }],
    ])('refuses %s with 400', async (_case, body) => {
      const answer = await call('POST', '/users', { body });
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe('BAD_REQUEST');
    });

    it('refuses malformed JSON with 400', async () => {
      expect((await call('POST', '/users', { rawBody: '{"username":' })).status).toBe(400);
    });

    it('accepts a 255-character username', async () => {
      expect((await call('POST', '/users', { body: { username: 'b'.repeat(255), password: 'Valid-Pass-1' } })).status).toBe(201);
    });

    it('answers 409 for a duplicate username or email', async () => {
      const { credentials } = await createUser('dup');
      const sameName = await call('POST', '/users', { body: { username: credentials.username, password: 'Valid-Pass-1', email: 'other-dup@example.com' } });
      expect(sameName.status).toBe(409);
      expect(errorCode(sameName)).toBe('CONFLICT');
      const sameEmail = await call('POST', '/users', { body: { username: 'dup-mail', password: 'Valid-Pass-1', email: `${credentials.username}@example.com` } });
      expect(sameEmail.status).toBe(409);
    });

    it('answers 401 to anonymous callers and 403 to users who are not system admins', async () => {
      const body = { username: 'nobody-made', password: 'Valid-Pass-1' };
      const anonymous = await call('POST', '/users', { auth: null, body });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
      const { credentials } = await createUser('plain');
      const user = await call('POST', '/users', { auth: credentials, body });
      expect(user.status).toBe(403);
      expect(errorCode(user)).toBe('FORBIDDEN');
      expect((await call('GET', '/users?q=username=nobody-made')).headers.get('x-total-count')).toBe('0');
    });
  });

  describe('GET /users and /users/search', () => {
    let first: { id: number; credentials: Credentials };

    beforeAll(async () => {
      first = await createUser('lister');
      await createUser('lister');
      await createUser('lister');
    });

    it('lists users for a system admin with X-Total-Count and Link', async () => {
      const all = await call('GET', '/users?page_size=100');
      expect(all.status).toBe(200);
      expect(Number(all.headers.get('x-total-count'))).toBe(all.json.length);
      expect(all.json.map((u: any) => u.username)).toEqual(expect.arrayContaining(['admin', first.credentials.username]));
      for (const user of all.json) expect(Object.keys(user).sort()).toEqual(USER_FIELDS);

      const page = await call('GET', '/users?q=username%3D~lister&page=2&page_size=1');
      expect(page.status).toBe(200);
      expect(page.headers.get('x-total-count')).toBe('3');
      expect(page.json).toHaveLength(1);
      const link = page.headers.get('link')!;
      expect(link).toContain('rel="prev"');
      expect(link).toContain('rel="next"');
      expect(link).toContain('page=3');
    });

    it('filters by exact username, fuzzy username (q) and the username parameter', async () => {
      const exact = await call('GET', `/users?q=username=${first.credentials.username}`);
      expect(exact.json.map((u: any) => u.user_id)).toEqual([first.id]);
      const exactPrefix = await call('GET', '/users?q=username=lister');
      expect(exactPrefix.json).toEqual([]);
      const fuzzy = await call('GET', '/users?q=username=~ister');
      expect(fuzzy.json).toHaveLength(3);
      const parameter = await call('GET', '/users?username=liste');
      expect(parameter.json).toHaveLength(3);
      expect(parameter.headers.get('x-total-count')).toBe('3');
    });

    it('refuses unknown query keys, unknown parameters and oversized pages with 400', async () => {
      expect((await call('GET', '/users?q=password=x')).status).toBe(400);
      expect((await call('GET', '/users?foo=bar')).status).toBe(400);
      expect((await call('GET', '/users?page_size=101')).status).toBe(400);
      expect((await call('GET', '/users?page=0')).status).toBe(400);
    });

    it('answers 401 to anonymous callers and 403 to plain users', async () => {
      expect((await call('GET', '/users', { auth: null })).status).toBe(401);
      expect((await call('GET', '/users', { auth: first.credentials })).status).toBe(403);
    });

    it('lets any logged-in user search users, returning only ids and names', async () => {
      const answer = await call('GET', '/users/search?username=lister&page_size=2', { auth: first.credentials });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-total-count')).toBe('3');
      expect(answer.json).toHaveLength(2);
      for (const item of answer.json) expect(Object.keys(item).sort()).toEqual(['user_id', 'username']);
      expect(answer.headers.get('link')).toContain('rel="next"');
      expect((await call('GET', '/users/search?username=no-such-person', { auth: first.credentials })).json).toEqual([]);
    });

    it('refuses a search without username (400) or from anonymous callers (401)', async () => {
      expect((await call('GET', '/users/search', { auth: first.credentials })).status).toBe(400);
      expect((await call('GET', '/users/search?username=lister', { auth: null })).status).toBe(401);
    });
  });

  describe('GET /users/current', () => {
    it('answers the caller, 401 to anonymous callers and 412 to robots (robots are not users)', async () => {
      const { id, credentials } = await createUser('current');
      const me = await call('GET', '/users/current', { auth: credentials });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ user_id: id, username: credentials.username, sysadmin_flag: false });

      const admin = await call('GET', '/users/current');
      expect(admin.json).toMatchObject({ user_id: 1, username: 'admin', sysadmin_flag: true });

      expect((await call('GET', '/users/current', { auth: null })).status).toBe(401);

      const robot = await call('POST', '/robots', {
        body: { name: 'whoami', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] },
      });
      expect(robot.status).toBe(201);
      passwords.add(robot.json.secret);
      const asRobot = await call('GET', '/users/current', { auth: { username: robot.json.name, password: robot.json.secret } });
      expect(asRobot.status).toBe(412);
      expect(errorCode(asRobot)).toBe('PRECONDITION');
      expect((await call('GET', '/users/1', { auth: { username: robot.json.name, password: robot.json.secret } })).status).toBe(403);
    });
  });

  describe('GET and PUT /users/{id}', () => {
    let alice: { id: number; credentials: Credentials };
    let bob: { id: number; credentials: Credentials };

    beforeAll(async () => {
      alice = await createUser('alice');
      bob = await createUser('bob');
    });

    it('lets users read themselves and system admins read anyone; others get 403, anonymous 401', async () => {
      expect((await call('GET', `/users/${alice.id}`, { auth: alice.credentials })).json.username).toBe(alice.credentials.username);
      expect((await call('GET', `/users/${alice.id}`)).status).toBe(200);
      expect((await call('GET', `/users/${alice.id}`, { auth: bob.credentials })).status).toBe(403);
      expect((await call('GET', '/users/1', { auth: bob.credentials })).status).toBe(403);
      // a plain user cannot even learn whether an id exists
      expect((await call('GET', '/users/999999', { auth: bob.credentials })).status).toBe(403);
      expect((await call('GET', `/users/${alice.id}`, { auth: null })).status).toBe(401);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const missing = await call('GET', '/users/999999');
      expect(missing.status).toBe(404);
      expect(errorCode(missing)).toBe('NOT_FOUND');
      expect((await call('GET', '/users/abc')).status).toBe(400);
      expect((await call('GET', '/users/0')).status).toBe(400);
      expect((await call('GET', '/users/99999999999')).status).toBe(400);
    });

    it('lets users update their own email, realname and comment', async () => {
      const update = await call('PUT', `/users/${alice.id}`, { auth: alice.credentials, body: { email: 'alice-new@example.com', realname: 'Alice New', comment: 'hello' } });
      expect(update.status).toBe(200);
      const read = await call('GET', `/users/${alice.id}`, { auth: alice.credentials });
      expect(read.json).toMatchObject({ email: 'alice-new@example.com', realname: 'Alice New', comment: 'hello', username: alice.credentials.username });
      // absent fields keep their value
      expect((await call('PUT', `/users/${alice.id}`, { auth: alice.credentials, body: { comment: 'only comment' } })).status).toBe(200);
      expect((await call('GET', `/users/${alice.id}`)).json).toMatchObject({ email: 'alice-new@example.com', realname: 'Alice New', comment: 'only comment' });
    });

    it('lets a system admin update anyone', async () => {
      expect((await call('PUT', `/users/${bob.id}`, { body: { realname: 'Bob By Admin' } })).status).toBe(200);
      expect((await call('GET', `/users/${bob.id}`)).json.realname).toBe('Bob By Admin');
    });

    it('refuses to let users update others (403), anonymous callers (401), unknown ids (404)', async () => {
      expect((await call('PUT', `/users/${bob.id}`, { auth: alice.credentials, body: { realname: 'Hacked' } })).status).toBe(403);
      expect((await call('PUT', `/users/${bob.id}`, { auth: null, body: { realname: 'Hacked' } })).status).toBe(401);
      expect((await call('PUT', '/users/999999', { body: { realname: 'Ghost' } })).status).toBe(404);
      expect((await call('GET', `/users/${bob.id}`)).json.realname).toBe('Bob By Admin');
    });

    it('refuses fields a profile update does not take (400), e.g. promoting oneself or renaming', async () => {
      expect((await call('PUT', `/users/${alice.id}`, { auth: alice.credentials, body: { sysadmin_flag: true } })).status).toBe(400);
      expect((await call('PUT', `/users/${alice.id}`, { auth: alice.credentials, body: { username: 'renamed' } })).status).toBe(400);
      expect((await call('PUT', `/users/${alice.id}`, { auth: alice.credentials, body: { password: 'Another-Pass-1' } })).status).toBe(400);
      expect((await call('PUT', `/users/${alice.id}`, { auth: alice.credentials, body: { email: 'bad' } })).status).toBe(400);
      const read = await call('GET', `/users/${alice.id}`);
      expect(read.json).toMatchObject({ sysadmin_flag: false, username: alice.credentials.username });
    });

    it('answers 409 when the new email belongs to someone else', async () => {
      const answer = await call('PUT', `/users/${bob.id}`, { auth: bob.credentials, body: { email: 'alice-new@example.com' } });
      expect(answer.status).toBe(409);
    });
  });

  describe('PUT /users/{id}/password', () => {
    it('lets users change their own password only with the right old one', async () => {
      const { id, credentials } = await createUser('pw');
      const next = 'Brand-New-Pass-9';
      passwords.add(next);
      expect((await call('PUT', `/users/${id}/password`, { auth: credentials, body: { new_password: next } })).status).toBe(400);
      const wrongOld = await call('PUT', `/users/${id}/password`, { auth: credentials, body: { old_password: 'Not-The-Pass-1', new_password: next } });
      expect(wrongOld.status).toBe(403);
      expect((await call('PUT', `/users/${id}/password`, { auth: credentials, body: { old_password: credentials.password, new_password: 'weak' } })).status).toBe(400);
      expect((await call('PUT', `/users/${id}/password`, { auth: credentials, body: { old_password: credentials.password, new_password: credentials.password } })).status).toBe(400);
      expect((await call('PUT', `/users/${id}/password`, { auth: credentials, body: { old_password: credentials.password, new_password: next, extra: 1 } })).status).toBe(400);

      const changed = await call('PUT', `/users/${id}/password`, { auth: credentials, body: { old_password: credentials.password, new_password: next } });
      expect(changed.status).toBe(200);
      expect((await call('GET', '/users/current', { auth: { username: credentials.username, password: next } })).status).toBe(200);
      expect((await call('GET', '/users/current', { auth: credentials })).status).toBe(401);
    });

    it('lets a system admin reset someone else’s password without the old one', async () => {
      const { id, credentials } = await createUser('reset');
      const next = 'Reset-By-Admin-7';
      passwords.add(next);
      expect((await call('PUT', `/users/${id}/password`, { body: { new_password: next } })).status).toBe(200);
      expect((await call('GET', '/users/current', { auth: { username: credentials.username, password: next } })).status).toBe(200);
      expect((await call('PUT', '/users/999999/password', { body: { new_password: next } })).status).toBe(404);
    });

    it('refuses to let users change other users’ passwords (403) and anonymous callers (401)', async () => {
      const victim = await createUser('victim');
      const attacker = await createUser('attacker');
      const body = { old_password: victim.credentials.password, new_password: 'Taken-Over-1' };
      expect((await call('PUT', `/users/${victim.id}/password`, { auth: attacker.credentials, body })).status).toBe(403);
      expect((await call('PUT', `/users/${victim.id}/password`, { auth: null, body })).status).toBe(401);
      expect((await call('GET', '/users/current', { auth: victim.credentials })).status).toBe(200);
    });
  });

  describe('PUT /users/{id}/sysadmin', () => {
    it('lets a system admin promote and demote users, which changes what they may do at once', async () => {
      const { id, credentials } = await createUser('promoted');
      expect((await call('GET', '/users', { auth: credentials })).status).toBe(403);
      expect((await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: true } })).status).toBe(200);
      expect((await call('GET', `/users/${id}`)).json.sysadmin_flag).toBe(true);
      expect((await call('GET', '/users', { auth: credentials })).status).toBe(200);
      expect((await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: false } })).status).toBe(200);
      expect((await call('GET', '/users', { auth: credentials })).status).toBe(403);
    });

    it('refuses plain users (403), anonymous callers (401), bad bodies (400), unknown ids (404)', async () => {
      const { id, credentials } = await createUser('wannabe');
      expect((await call('PUT', `/users/${id}/sysadmin`, { auth: credentials, body: { sysadmin_flag: true } })).status).toBe(403);
      expect((await call('PUT', `/users/${id}/sysadmin`, { auth: null, body: { sysadmin_flag: true } })).status).toBe(401);
      expect((await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: 'yes' } })).status).toBe(400);
      expect((await call('PUT', `/users/${id}/sysadmin`, { body: {} })).status).toBe(400);
      expect((await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: true, username: 'x' } })).status).toBe(400);
      expect((await call('PUT', '/users/999999/sysadmin', { body: { sysadmin_flag: true } })).status).toBe(404);
      expect((await call('GET', `/users/${id}`)).json.sysadmin_flag).toBe(false);
    });

    it('never demotes the first administrator (user 1)', async () => {
      const { id, credentials } = await createUser('coadmin');
      expect((await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: true } })).status).toBe(200);
      const demote = await call('PUT', '/users/1/sysadmin', { auth: credentials, body: { sysadmin_flag: false } });
      expect(demote.status).toBe(403);
      expect((await call('GET', '/users/1')).json.sysadmin_flag).toBe(true);
    });
  });

  describe('DELETE /users/{id}', () => {
    it('lets a system admin delete a user, who can then neither be read nor log in', async () => {
      const { id, credentials } = await createUser('doomed');
      expect((await call('GET', '/users/current', { auth: credentials })).status).toBe(200);
      const answer = await call('DELETE', `/users/${id}`);
      expect(answer.status).toBe(200);
      expect((await call('GET', `/users/${id}`)).status).toBe(404);
      expect((await call('GET', '/users/current', { auth: credentials })).status).toBe(401);
      expect((await call('DELETE', `/users/${id}`)).status).toBe(404);
    });

    it('refuses plain users (403) and anonymous callers (401)', async () => {
      const target = await createUser('target');
      const plain = await createUser('plain');
      expect((await call('DELETE', `/users/${target.id}`, { auth: plain.credentials })).status).toBe(403);
      expect((await call('DELETE', `/users/${target.id}`, { auth: null })).status).toBe(401);
      expect((await call('GET', `/users/${target.id}`)).status).toBe(200);
    });

    it('never deletes the first administrator, and no administrator deletes themselves', async () => {
      const { id, credentials } = await createUser('selfdel');
      expect((await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: true } })).status).toBe(200);
      expect((await call('DELETE', '/users/1', { auth: credentials })).status).toBe(403);
      expect((await call('DELETE', `/users/${id}`, { auth: credentials })).status).toBe(403);
      expect((await call('DELETE', '/users/1')).status).toBe(403);
      expect((await call('GET', '/users/1')).status).toBe(200);
      expect((await call('GET', `/users/${id}`)).status).toBe(200);
    });
  });
  describe('audit', () => {
    it('records every successful change (create, profile, password, sysadmin, delete) with who and from where, and no refused one', async () => {
      const { id, credentials } = await createUser('audited');
      expect(await userEntries(credentials.username)).toEqual([
        expect.objectContaining({ projectId: null, operation: 'create', resourceType: 'user', username: 'admin', clientIp: '127.0.0.1', userAgent: expect.any(String) }),
      ]);
      await call('PUT', `/users/${id}`, { auth: credentials, body: { comment: 'audited' } });
      const next = 'Audited-Pass-2';
      passwords.add(next);
      await call('PUT', `/users/${id}/password`, { auth: credentials, body: { old_password: credentials.password, new_password: next } });
      await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: true } });
      // refused: nothing recorded
      await call('PUT', `/users/${id}`, { auth: null, body: { comment: 'anonymous' } });
      await call('DELETE', `/users/${id}`, { auth: { username: credentials.username, password: next } });
      await call('DELETE', `/users/${id}`);
      expect((await userEntries(credentials.username)).map((entry) => [entry.operation, entry.username])).toEqual([
        ['create', 'admin'],
        ['update', credentials.username],
        ['update', credentials.username],
        ['update', 'admin'],
        ['delete', 'admin'],
      ]);
    });
  });
});
