/**
 * The web portal's sessions, as Harbor's portal uses them: /c/login (a form) sets the HttpOnly
 * `sid` cookie and the script-readable `__csrf` cookie; the cookie authenticates every
 * /api/v2.0 call as that user, state-changing ones only with the CSRF token echoed; logout,
 * a password change or the user's deletion end the session, other changes of the user's rights
 * do not; robots cannot log in; failures go through the login throttle like Basic ones; Basic
 * and Bearer callers, /service/token and /v2 never look at the cookie.
 */
import { UserService } from '@wharf/iam';
import { loadConfig } from '@wharf/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Agent, fetch as undiciFetch } from 'undici';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { callApi, errorCodeOf } from '../support/management-api';
import { toolAvailable } from '../support/oci-layout';
import { portalLogin, sessionHeaders, type PortalSession } from '../support/portal-session';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const PASSWORD = 'Portal-Test-Pass-1';

describe('portal sessions', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let redis: Redis;
  let sequence = 0;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    redis = new Redis(environment.env.REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await api?.close();
    await environment?.close();
  });

  /** A fresh user (a system admin when asked) and their credentials. */
  async function newUser(sysadmin = false): Promise<Credentials & { id: number }> {
    sequence += 1;
    const user = await api.app.get(UserService).create({ username: `portal${sequence}`, password: PASSWORD }, { sysadmin });
    return { username: user.username, password: PASSWORD, id: user.user_id };
  }

  async function loggedIn(credentials: Credentials): Promise<PortalSession> {
    const login = await portalLogin(api.url, credentials);
    expect(login.status).toBe(200);
    return login.session!;
  }

  const current = (session: PortalSession) => callApi(api.url, 'GET', '/users/current', { auth: null, headers: sessionHeaders(session, { csrf: false }) });

  it('logs in with the form: an HttpOnly SameSite=Lax sid and a script-readable SameSite=Strict __csrf, no Secure over plain http, no body', async () => {
    const login = await portalLogin(api.url, TEST_ADMIN);
    expect(login.status).toBe(200);
    expect(login.body).toBe('');
    const sid = login.setCookies.find((c) => c.startsWith('sid='))!;
    const csrf = login.setCookies.find((c) => c.startsWith('__csrf='))!;
    expect(sid).toMatch(/^sid=[A-Za-z0-9_-]{43}; /);
    expect(sid.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Lax']);
    expect(csrf).toMatch(/^__csrf=[A-Za-z0-9_-]{43}; /);
    expect(csrf.split('; ').slice(1).sort()).toEqual(['Path=/', 'SameSite=Strict']);
    expect(login.session!.sid).not.toBe(login.session!.csrf);
    // Redis holds a digest of the id, never the id itself
    const keys = await redis.keys(`${environment.config.REDIS_PREFIX}:portal-session:*`);
    expect(keys).toContain(`${environment.config.REDIS_PREFIX}:portal-session:${createHash('sha256').update(login.session!.sid).digest('base64url')}`);
    expect(keys.join()).not.toContain(login.session!.sid);
  });

  it('answers every /api/v2.0 read as the user, without the CSRF token', async () => {
    const session = await loggedIn(TEST_ADMIN);
    const me = await current(session);
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: 'admin', sysadmin_flag: true });
    const users = await callApi(api.url, 'GET', '/users?page_size=1', { auth: null, headers: sessionHeaders(session, { csrf: false }) });
    expect(users.status).toBe(200);
  });

  it('refuses a state-changing call made with the cookie unless it echoes the CSRF token (403 before anything changes)', async () => {
    const session = await loggedIn(TEST_ADMIN);
    const create = (headers: Record<string, string>) => callApi(api.url, 'POST', '/projects', { auth: null, headers, body: { project_name: 'csrf-guarded' } });
    const missing = await create(sessionHeaders(session, { csrf: false }));
    expect(missing.status).toBe(403);
    expect(missing.json).toEqual({ errors: [{ code: 'FORBIDDEN', message: 'CSRF token invalid' }] });
    // the token with its last character changed (to another one: a token may end in 'A' already)
    const changed = `${session.csrf.slice(0, -1)}${session.csrf.endsWith('A') ? 'B' : 'A'}`;
    const wrong = await create({ ...sessionHeaders(session, { csrf: false }), 'x-harbor-csrf-token': changed });
    expect(wrong.status).toBe(403);
    // another session's token is no better
    const other = await loggedIn(TEST_ADMIN);
    expect((await create({ ...sessionHeaders(session, { csrf: false }), 'x-harbor-csrf-token': other.csrf })).status).toBe(403);
    expect((await callApi(api.url, 'GET', '/projects?name=csrf-guarded')).json).toEqual([]);

    expect((await create(sessionHeaders(session))).status).toBe(201);
    const project = await callApi(api.url, 'GET', '/projects/csrf-guarded', { auth: null, headers: sessionHeaders(session, { csrf: false }) });
    expect(project.json).toMatchObject({ name: 'csrf-guarded', owner_name: 'admin' });
    for (const method of ['PUT', 'DELETE']) {
      const refused = await callApi(api.url, method, '/projects/csrf-guarded', { auth: null, headers: sessionHeaders(session, { csrf: false }), body: method === 'PUT' ? { metadata: { public: 'true' } } : undefined });
      expect(refused.status).toBe(403);
    }
    expect((await callApi(api.url, 'DELETE', '/projects/csrf-guarded', { auth: null, headers: sessionHeaders(session) })).status).toBe(200);
  });

  it('lets Basic callers change things without any CSRF token, and an Authorization header wins over the cookie', async () => {
    const admin = await loggedIn(TEST_ADMIN);
    const user = await newUser();
    // Basic alone: as ever
    expect((await callApi(api.url, 'POST', '/projects', { auth: user, body: { project_name: 'basic-made' } })).status).toBe(201);
    expect((await callApi(api.url, 'DELETE', '/projects/basic-made', { auth: user })).status).toBe(200);
    // Basic with the admin's cookie: the Basic user, not the admin
    const mixed = await callApi(api.url, 'GET', '/users/current', { auth: user, headers: sessionHeaders(admin) });
    expect(mixed.json).toMatchObject({ username: user.username, sysadmin_flag: false });
    expect((await callApi(api.url, 'GET', '/users', { auth: user, headers: sessionHeaders(admin) })).status).toBe(403);
    // a Bearer header (not a management credential) with the cookie: anonymous, the cookie ignored
    const bearer = await callApi(api.url, 'GET', '/users/current', { auth: null, headers: { ...sessionHeaders(admin), authorization: 'Bearer whatever' } });
    expect(bearer.status).toBe(401);
    // wrong Basic credentials with a good cookie: refused, not rescued by the cookie
    expect((await callApi(api.url, 'GET', '/users/current', { auth: { username: 'admin', password: 'wrong' }, headers: sessionHeaders(admin) })).status).toBe(401);
  });

  it('logs out: the session ends on the server, both cookies are cleared, the old cookie is nobody', async () => {
    const session = await loggedIn(TEST_ADMIN);
    expect((await current(session)).status).toBe(200);
    const logout = await fetch(`${api.url}/c/log_out`, { headers: sessionHeaders(session, { csrf: false }) });
    expect(logout.status).toBe(200);
    expect(await logout.text()).toBe('');
    const cleared = logout.headers.getSetCookie();
    expect(cleared.find((c) => c.startsWith('sid=;'))).toMatch(/Max-Age=0/);
    expect(cleared.find((c) => c.startsWith('__csrf=;'))).toMatch(/Max-Age=0/);
    const after = await current(session);
    expect(after.status).toBe(401);
    expect(errorCodeOf(after)).toBe('UNAUTHORIZED');
    // logging out without a session is fine too
    expect((await fetch(`${api.url}/c/log_out`)).status).toBe(200);
  });

  it('ends the session when the password changes or the user is deleted; a change of rights keeps it, with the new rights', async () => {
    const user = await newUser(true);
    const session = await loggedIn(user);
    const second = await loggedIn(user);
    expect((await callApi(api.url, 'GET', '/users', { auth: null, headers: sessionHeaders(session) })).status).toBe(200);

    // rights change (no longer an admin; made a project member): the session carries on with what the user holds now
    expect((await callApi(api.url, 'PUT', `/users/${user.id}/sysadmin`, { body: { sysadmin_flag: false } })).status).toBe(200);
    expect((await callApi(api.url, 'GET', '/users', { auth: null, headers: sessionHeaders(session) })).status).toBe(403);
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: `member-of-${sequence}` } })).status).toBe(201);
    expect((await callApi(api.url, 'POST', `/projects/member-of-${sequence}/members`, { body: { role_id: 2, member_user: { username: user.username } } })).status).toBe(201);
    const projects = await callApi(api.url, 'GET', `/projects/member-of-${sequence}`, { auth: null, headers: sessionHeaders(session) });
    expect(projects.status).toBe(200);
    expect((await current(session)).json).toMatchObject({ username: user.username, sysadmin_flag: false });

    // the password changes (by the user, through the session): every session of theirs ends, this one too
    const change = await callApi(api.url, 'PUT', `/users/${user.id}/password`, { auth: null, headers: sessionHeaders(session), body: { old_password: PASSWORD, new_password: 'Portal-Test-Pass-2' } });
    expect(change.status).toBe(200);
    expect((await current(session)).status).toBe(401);
    expect((await current(second)).status).toBe(401);
    // the new password opens a new one; deleting the user ends it
    const renewed = await loggedIn({ username: user.username, password: 'Portal-Test-Pass-2' });
    expect((await current(renewed)).status).toBe(200);
    expect((await callApi(api.url, 'DELETE', `/users/${user.id}`)).status).toBe(200);
    expect((await current(renewed)).status).toBe(401);
    // a new user under the same name, with the same password, does not inherit the session
    await api.app.get(UserService).create({ username: user.username, password: 'Portal-Test-Pass-2' });
    expect((await current(renewed)).status).toBe(401);
  });

  it('ends a session idle past SESSION_IDLE_TIMEOUT_MINUTES (the key expires, renewed on use) and one older than SESSION_MAX_LIFETIME_HOURS', async () => {
    const session = await loggedIn(TEST_ADMIN);
    const key = `${environment.config.REDIS_PREFIX}:portal-session:${createHash('sha256').update(session.sid).digest('base64url')}`;
    const idle = environment.config.SESSION_IDLE_TIMEOUT_MINUTES * 60_000;
    await redis.pexpire(key, 5_000);
    expect((await current(session)).status).toBe(200);
    const renewed = await redis.pttl(key);
    expect(renewed).toBeGreaterThan(idle - 60_000);
    expect(renewed).toBeLessThanOrEqual(idle);
    // what an expiry does: the key is gone
    await redis.del(key);
    expect((await current(session)).status).toBe(401);

    const old = await loggedIn(TEST_ADMIN);
    const oldKey = `${environment.config.REDIS_PREFIX}:portal-session:${createHash('sha256').update(old.sid).digest('base64url')}`;
    const stored = JSON.parse((await redis.get(oldKey))!) as { createdAt: number };
    await redis.set(oldKey, JSON.stringify({ ...stored, createdAt: Date.now() - environment.config.SESSION_MAX_LIFETIME_HOURS * 3_600_000 - 1 }), 'KEEPTTL');
    expect((await current(old)).status).toBe(401);
    expect(await redis.exists(oldKey)).toBe(0);
  });

  it('refuses robots (a robot secret is never a portal login) and wrong passwords, 401 in Harbor shape', async () => {
    const robot = await callApi(api.url, 'POST', '/robots', { body: { name: 'no-portal', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] } });
    expect(robot.status).toBe(201);
    const robotCredentials = { username: robot.json.name as string, password: robot.json.secret as string };
    // the same credentials work with Basic
    expect((await callApi(api.url, 'GET', '/users/current/permissions', { auth: robotCredentials })).status).toBe(200);
    const refused = await portalLogin(api.url, robotCredentials);
    expect(refused.status).toBe(401);
    expect(refused.setCookies).toEqual([]);
    expect(JSON.parse(refused.body)).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid user name or password' }] });

    const wrong = await portalLogin(api.url, { username: 'admin', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).errors[0].code).toBe('UNAUTHORIZED');
    expect(wrong.setCookies).toEqual([]);
    expect((await portalLogin(api.url, { username: 'nobody-here', password: PASSWORD })).status).toBe(401);
  });

  it('counts failed portal logins in the same throttle as Basic ones', async () => {
    const user = await newUser();
    // five free failures for a name and address; then each failure locks the pair out a while
    const statuses: number[] = [];
    for (let attempt = 1; attempt <= 7; attempt++) statuses.push((await portalLogin(api.url, { username: user.username, password: `Wrong-Guess-${attempt}` })).status);
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
    // Basic from the same address, for the same name, is locked out too: one throttle
    const basic = await callApi(api.url, 'GET', '/users/current', { auth: user });
    expect(basic.status).toBe(429);
    expect(basic.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('takes the form only, and refuses a cross-site login (Origin or Sec-Fetch-Site) while letting curl-like clients in', async () => {
    const json = await fetch(`${api.url}/c/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ principal: 'admin', password: TEST_ADMIN.password }) });
    expect(json.status).toBe(415);
    const missing = await fetch(`${api.url}/c/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'principal=admin' });
    expect(missing.status).toBe(400);

    const crossSite: Record<string, string>[] = [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }];
    for (const headers of crossSite) {
      const login = await portalLogin(api.url, TEST_ADMIN, headers);
      expect({ headers, status: login.status, cookies: login.setCookies }).toEqual({ headers, status: 403, cookies: [] });
    }
    expect((await portalLogin(api.url, TEST_ADMIN, { origin: api.url, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await portalLogin(api.url, TEST_ADMIN)).status).toBe(200);
  });

  it('does not challenge a browser (no Basic password dialog over the portal) but still challenges other clients', async () => {
    const browser = await callApi(api.url, 'GET', '/users/current', { auth: null, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(browser.status).toBe(401);
    expect(browser.headers.get('www-authenticate')).toBeNull();
    const script = await callApi(api.url, 'GET', '/users/current', { auth: null });
    expect(script.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('is not a credential on /v2 or /service/token', async () => {
    const session = await loggedIn(TEST_ADMIN);
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'cookie-v2' } })).status).toBe(201);
    await new RegistryClient(api.url).pushImage('cookie-v2/app', 'v1', { layers: 1 });
    const v2 = await fetch(`${api.url}/v2/cookie-v2/app/manifests/v1`, { headers: { ...sessionHeaders(session), accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(v2.status).toBe(401);
    expect(v2.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const catalog = await fetch(`${api.url}/v2/_catalog`, { headers: sessionHeaders(session) });
    expect(catalog.status).toBe(401);
    const token = await fetch(`${api.url}/service/token?service=${environment.config.TOKEN_SERVICE}&scope=repository:cookie-v2/app:pull`, { headers: sessionHeaders(session) });
    const body = (await token.json()) as { token: string };
    // an anonymous token: it carries no access to the private repository
    const payload = JSON.parse(Buffer.from(body.token.split('.')[1], 'base64url').toString()) as { sub: string; access: { actions: string[] }[] };
    expect(payload.sub).toBe('');
    expect(payload.access.flatMap((entry) => entry.actions)).toEqual([]);
  });

  describe('Secure cookies', () => {
    it('are Secure when a trusted proxy says the client came over https, and not when an untrusted one says so', async () => {
      const behindProxy = await startApi({ ...environment, config: loadConfig({ ...environment.env, TRUSTED_PROXIES: '127.0.0.1' }) });
      try {
        const login = await portalLogin(behindProxy.url, TEST_ADMIN, { 'x-forwarded-proto': 'https' });
        expect(login.status).toBe(200);
        expect(login.setCookies).toHaveLength(2);
        for (const cookie of login.setCookies) expect(cookie.split('; ')).toContain('Secure');
        const logout = await fetch(`${behindProxy.url}/c/log_out`, { headers: { 'x-forwarded-proto': 'https', ...sessionHeaders(login.session!) } });
        for (const cookie of logout.headers.getSetCookie()) expect(cookie.split('; ')).toContain('Secure');
      } finally {
        await behindProxy.close();
      }
      const untrusted = await portalLogin(api.url, TEST_ADMIN, { 'x-forwarded-proto': 'https' });
      for (const cookie of untrusted.setCookies) expect(cookie.split('; ')).not.toContain('Secure');
    });

    const describeTls = toolAvailable('openssl') ? it : it.skip;
    describeTls('are Secure when the api serves TLS itself (TLS_CERT_FILE), and the session works over it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wharf-portal-tls-'));
      let app: NestFastifyApplication | undefined;
      const agent = new Agent({ connect: { rejectUnauthorized: false } });
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
        app = await createApiApp(loadConfig({ ...environment.env, TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') }));
        await app.listen(0, '127.0.0.1');
        const url = `https://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
        const login = await undiciFetch(`${url}/c/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ principal: TEST_ADMIN.username, password: TEST_ADMIN.password }).toString(),
          dispatcher: agent,
        });
        expect(login.status).toBe(200);
        const cookies = login.headers.getSetCookie();
        expect(cookies.map((c) => c.split('=')[0]).sort()).toEqual(['__csrf', 'sid']);
        for (const cookie of cookies) expect(cookie.split('; ')).toContain('Secure');
        const sid = cookies.find((c) => c.startsWith('sid='))!.split(';')[0];
        const me = await undiciFetch(`${url}/api/v2.0/users/current`, { headers: { cookie: sid }, dispatcher: agent });
        expect(me.status).toBe(200);
        expect(((await me.json()) as { username: string }).username).toBe('admin');
      } finally {
        await agent.close();
        await app?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('is the same principal as Basic for that user: answers match', async () => {
    const session = await loggedIn(TEST_ADMIN);
    for (const path of ['/users/current', '/users/current/permissions?scope=/system&relative=true', '/projects?page_size=100', '/statistics']) {
      const basic = await callApi(api.url, 'GET', path);
      const cookie = await callApi(api.url, 'GET', path, { auth: null, headers: sessionHeaders(session, { csrf: false }) });
      expect({ path, status: cookie.status, json: cookie.json }).toEqual({ path, status: basic.status, json: basic.json });
    }
  });
});
