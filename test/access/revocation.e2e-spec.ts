/**
 * Revocation reaches credentials already handed out, within seconds and on every replica: docker
 * tokens and Basic credentials a replica remembers stop working when a robot is disabled,
 * deleted or its secret refreshed, when a user's password changes or a membership ends; and a
 * robot's token never outlives the robot's expiry. Tokens name repositories by project name, so
 * they also end for a project that is deleted (its name may be taken again) or stops being public. Two api processes share the database and Redis.
 */
import { Client } from 'pg';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { eventually } from '../support/eventually';
import { callApi } from '../support/management-api';
import { basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';

// a revocation must take effect within this on every replica (they trust an epoch for a second)
const WITHIN_MS = 5_000;
const SCOPE = 'repository:team/app:pull,push';

describe('revocation of tokens and remembered credentials across replicas', () => {
  let environment: TestEnvironment;
  let a: ApiProcess;
  let b: ApiProcess;
  let db: Client;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    [a, b] = await Promise.all([startApiProcess(environment.env), startApiProcess(environment.env)]);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    expect((await callApi(a.url, 'POST', '/projects', { body: { project_name: 'team', metadata: { public: 'false' } } })).status).toBe(201);
  });

  afterAll(async () => {
    await db?.end();
    await Promise.all([a?.stop(), b?.stop()]);
    await environment?.close();
  });

  async function tokenFor(url: string, credentials: Credentials): Promise<{ status: number; token: string; payload: { exp: number; access: { actions: string[] }[] } }> {
    const response = await fetch(`${url}/service/token?service=wharf-registry&scope=${SCOPE}`, { headers: { authorization: basicAuth(credentials) } });
    const body = (await response.json()) as { token: string };
    return { status: response.status, token: body.token, payload: body.token ? JSON.parse(Buffer.from(body.token.split('.')[1], 'base64url').toString()) : undefined };
  }

  /** Starting an upload needs push: the status says whether the authorization still holds. */
  const startUpload = async (url: string, authorization: string): Promise<number> => {
    const response = await fetch(`${url}/v2/team/app/blobs/uploads/`, { method: 'POST', headers: { authorization } });
    await response.arrayBuffer();
    return response.status;
  };

  const statusesOn = (authorization: string) => Promise.all([startUpload(a.url, authorization), startUpload(b.url, authorization)]);

  async function createRobot(name: string, duration = -1): Promise<{ id: number; credentials: Credentials; body: object }> {
    const body = { name, level: 'project', duration, permissions: [{ kind: 'project', namespace: 'team', access: [{ resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' }] }] };
    const created = await callApi(a.url, 'POST', '/robots', { body });
    expect(created.status).toBe(201);
    return { id: created.json.id, credentials: { username: created.json.name, password: created.json.secret }, body };
  }

  async function createUser(name: string, role: number): Promise<{ id: number; memberId: number; credentials: Credentials }> {
    const credentials = { username: name, password: `Pass-${name}-1A` };
    const created = await callApi(a.url, 'POST', '/users', { body: { ...credentials, email: `${name}@example.com`, realname: name } });
    expect(created.status).toBe(201);
    const member = await callApi(a.url, 'POST', '/projects/team/members', { body: { role_id: role, member_user: { username: name } } });
    expect(member.status).toBe(201);
    return { id: Number(created.headers.get('location')!.split('/').pop()), memberId: Number(member.headers.get('location')!.split('/').pop()), credentials };
  }

  /** A token from replica a, and the same credentials as Basic (remembered by each replica once used): all work on both replicas. */
  async function holdCredentials(credentials: Credentials): Promise<string[]> {
    const { token } = await tokenFor(a.url, credentials);
    const authorizations = [`Bearer ${token}`, basicAuth(credentials)];
    for (const authorization of authorizations) expect(await statusesOn(authorization)).toEqual([202, 202]);
    return authorizations;
  }

  const refusedEverywhere = async (authorizations: string[]): Promise<boolean> =>
    (await Promise.all(authorizations.map(statusesOn))).flat().every((status) => status === 401);

  it.each([
    ['disabled', (robot: { id: number; body: object }) => callApi(b.url, 'PUT', `/robots/${robot.id}`, { body: { ...robot.body, disable: true } })],
    ['deleted', (robot: { id: number }) => callApi(b.url, 'DELETE', `/robots/${robot.id}`)],
    ['given a new secret', (robot: { id: number }) => callApi(b.url, 'PATCH', `/robots/${robot.id}`, { body: { secret: 'Fresh-Secret-123' } })],
  ])('stops a robot token and its remembered secret within seconds on every replica once the robot is %s', async (change, act) => {
    const robot = await createRobot(`r-${change.split(' ')[0]}`);
    const held = await holdCredentials(robot.credentials);
    expect((await act(robot)).status).toBe(200);
    await eventually(() => refusedEverywhere(held), WITHIN_MS);
  });

  it("stops a user's token and remembered password within seconds on every replica after a password change; the new password works", async () => {
    const user = await createUser('pat', 2);
    const held = await holdCredentials(user.credentials);
    const changed = await callApi(b.url, 'PUT', `/users/${user.id}/password`, { auth: user.credentials, body: { old_password: user.credentials.password, new_password: 'Changed-Pass-1' } });
    expect(changed.status).toBe(200);
    await eventually(() => refusedEverywhere(held), WITHIN_MS);
    const renewed = await tokenFor(b.url, { username: 'pat', password: 'Changed-Pass-1' });
    expect(await statusesOn(`Bearer ${renewed.token}`)).toEqual([202, 202]);
  });

  it("stops a deleted user's token within seconds on every replica", async () => {
    const user = await createUser('del', 2);
    const held = await holdCredentials(user.credentials);
    expect((await callApi(b.url, 'DELETE', `/users/${user.id}`)).status).toBe(200);
    await eventually(() => refusedEverywhere(held), WITHIN_MS);
  });

  it("stops a user's token within seconds on every replica once the membership is removed; a new token carries no access", async () => {
    const user = await createUser('sam', 2);
    const [bearer] = await holdCredentials(user.credentials);
    expect((await callApi(b.url, 'DELETE', `/projects/team/members/${user.memberId}`)).status).toBe(200);
    await eventually(() => refusedEverywhere([bearer]), WITHIN_MS);
    const renewed = await tokenFor(a.url, user.credentials);
    expect(renewed.payload.access[0].actions).toEqual([]);
  });

  it('gives a robot tokens that end when the robot expires', async () => {
    const robot = await createRobot('r-expiring', 30);
    const expiresAt = Math.floor(Date.now() / 1000) + 120;
    await db.query(`UPDATE robot SET expires_at = to_timestamp($2) WHERE id = $1`, [robot.id, expiresAt]);
    const issued = await tokenFor(b.url, robot.credentials);
    expect(issued.status).toBe(200);
    expect(issued.payload.exp).toBeLessThanOrEqual(expiresAt);
  });

  /** A token for `scope` (anonymous without credentials). */
  async function scopedToken(url: string, scope: string, credentials?: Credentials): Promise<string> {
    const response = await fetch(`${url}/service/token?service=wharf-registry&scope=${scope}`, { headers: credentials ? { authorization: basicAuth(credentials) } : {} });
    expect(response.status).toBe(200);
    return ((await response.json()) as { token: string }).token;
  }

  it('stops tokens for a deleted project within seconds on every replica, so a project re-created under its name owes them nothing', async () => {
    expect((await callApi(a.url, 'POST', '/projects', { body: { project_name: 'reused', metadata: { public: 'false' } } })).status).toBe(201);
    const robot = await callApi(a.url, 'POST', '/robots', {
      body: { name: 'r-reused', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: 'reused', access: [{ resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' }] }] },
    });
    expect(robot.status).toBe(201);
    const token = await scopedToken(a.url, 'repository:reused/app:pull,push', { username: robot.json.name, password: robot.json.secret });
    const pushStatuses = () =>
      Promise.all([a.url, b.url].map(async (url) => {
        const response = await fetch(`${url}/v2/reused/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        await response.arrayBuffer();
        return response.status;
      }));
    expect(await pushStatuses()).toEqual([202, 202]);

    expect((await callApi(b.url, 'DELETE', '/projects/reused')).status).toBe(200);
    expect((await callApi(b.url, 'POST', '/projects', { body: { project_name: 'reused', metadata: { public: 'false' } } })).status).toBe(201);
    // 401 with a challenge: the client asks for a new token, which carries no access here
    await eventually(async () => (await pushStatuses()).every((status) => status === 401), WITHIN_MS);
  });

  it('stops anonymous tokens for a project within seconds on every replica once it stops being public', async () => {
    expect((await callApi(a.url, 'POST', '/projects', { body: { project_name: 'opened', metadata: { public: 'true' } } })).status).toBe(201);
    const token = await scopedToken(a.url, 'repository:opened/app:pull');
    // allowed to look: the repository is simply empty (404), not refused (401)
    const tagListStatuses = () =>
      Promise.all([a.url, b.url].map(async (url) => {
        const response = await fetch(`${url}/v2/opened/app/tags/list`, { headers: { authorization: `Bearer ${token}` } });
        await response.arrayBuffer();
        return response.status;
      }));
    expect(await tagListStatuses()).toEqual([404, 404]);

    expect((await callApi(b.url, 'PUT', '/projects/opened', { body: { metadata: { public: 'false' } } })).status).toBe(200);
    await eventually(async () => (await tagListStatuses()).every((status) => status === 401), WITHIN_MS);
  });

  it("ends a user's push with Basic credentials within seconds on every replica once the role is lowered or the membership removed, though each replica remembers what it granted", async () => {
    const user = await createUser('basil', 2);
    const basic = basicAuth(user.credentials);
    expect(await statusesOn(basic)).toEqual([202, 202]);
    // guest: pull only (403 DENIED to a known caller that lacks the right)
    expect((await callApi(b.url, 'PUT', `/projects/team/members/${user.memberId}`, { body: { role_id: 3 } })).status).toBe(200);
    await eventually(async () => (await statusesOn(basic)).every((status) => status === 403), WITHIN_MS);
    expect((await callApi(a.url, 'PUT', `/projects/team/members/${user.memberId}`, { body: { role_id: 2 } })).status).toBe(200);
    await eventually(async () => (await statusesOn(basic)).every((status) => status === 202), WITHIN_MS);
    expect((await callApi(b.url, 'DELETE', `/projects/team/members/${user.memberId}`)).status).toBe(200);
    await eventually(async () => (await statusesOn(basic)).every((status) => status === 403), WITHIN_MS);
  });

  it('honours a right given to Basic credentials at once: a refusal is never what a replica remembers', async () => {
    const credentials = { username: 'newcomer', password: 'Pass-newcomer-1A' };
    expect((await callApi(a.url, 'POST', '/users', { body: { ...credentials, email: 'newcomer@example.com', realname: 'newcomer' } })).status).toBe(201);
    const basic = basicAuth(credentials);
    expect(await statusesOn(basic)).toEqual([403, 403]);
    expect((await callApi(a.url, 'POST', '/projects/team/members', { body: { role_id: 2, member_user: { username: 'newcomer' } } })).status).toBe(201);
    expect(await statusesOn(basic)).toEqual([202, 202]);
  });
});
