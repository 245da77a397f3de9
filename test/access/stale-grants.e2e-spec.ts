/**
 * Robot grants go with their project (issue 11, item 4): they are keyed by project id, so a
 * project deleted and created again under the same name, by someone else, owes the old
 * project's robots nothing. Harbor's API still names projects on the wire.
 */
import { Client } from 'pg';
import { RobotGrantsByProjectId1765020000000 } from '../../libs/db/src/migrations/1765020000000-robot-grants-by-project-id';
import { callApi, type ApiAnswer, type ApiCallOptions } from '../support/management-api';
import { RegistryClient, sha256 } from '../support/registry-client';
import { basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const READ_WRITE = [
  { resource: 'project', action: 'read' },
  { resource: 'repository', action: 'pull' },
  { resource: 'repository', action: 'push' },
];

describe('robot grants and project deletion', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  const users: Record<string, Credentials> = {};

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> => callApi(api.url, method, path, options);

  async function createUser(name: string): Promise<void> {
    const credentials = { username: name, password: `Pass-${name}-1A` };
    expect((await call('POST', '/users', { body: { ...credentials, email: `${name}@example.com`, realname: name } })).status).toBe(201);
    users[name] = credentials;
  }

  async function createSystemRobot(name: string, namespaces: string[]): Promise<{ id: number; credentials: Credentials }> {
    const answer = await call('POST', '/robots', { body: { name, level: 'system', duration: -1, permissions: namespaces.map((namespace) => ({ kind: 'project', namespace, access: READ_WRITE })) } });
    expect(answer.status).toBe(201);
    return { id: answer.json.id, credentials: { username: answer.json.name, password: answer.json.secret } };
  }

  /** The registry actions a token for `repository` carries for these credentials. */
  async function tokenActions(credentials: Credentials, repository: string): Promise<string[]> {
    const response = await fetch(`${api.url}/service/token?service=wharf-registry&scope=repository:${repository}:pull,push`, { headers: { authorization: basicAuth(credentials) } });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { access: { actions: string[] }[] }).access[0]?.actions ?? [];
  }

  const grantRows = async (robotId: number) => (await db.query(`SELECT project_id FROM robot_permission WHERE robot_id = $1 ORDER BY id`, [robotId])).rows;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    await createUser('alice');
    await createUser('mallory');
  });

  afterAll(async () => {
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  it('gives an old system robot nothing in a project re-created under a deleted one’s name', async () => {
    expect((await call('POST', '/projects', { auth: users.alice, body: { project_name: 'reborn', public: false } })).status).toBe(201);
    const robot = await createSystemRobot('legacy', ['reborn']);
    const asRobot = new RegistryClient(api.url, robot.credentials);
    await asRobot.pushImage('reborn/app', 'v1', { layers: 1 });

    expect((await call('DELETE', '/projects/reborn/repositories/app', { auth: users.alice })).status).toBe(200);
    expect((await call('DELETE', '/projects/reborn', { auth: users.alice })).status).toBe(200);

    expect((await call('POST', '/projects', { auth: users.mallory, body: { project_name: 'reborn', public: false } })).status).toBe(201);
    await new RegistryClient(api.url, users.mallory).pushImage('reborn/private', 'v1', { layers: 1 });

    const pull = await asRobot.fetch('/v2/reborn/private/manifests/v1');
    expect([401, 403, 404]).toContain(pull.status);
    const blob = Buffer.from('a robot of the old project');
    const push = await asRobot.fetch(`/v2/reborn/planted/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: blob });
    expect([401, 403, 404]).toContain(push.status);
    expect(await tokenActions(robot.credentials, 'reborn/private')).toEqual([]);
    expect((await call('GET', '/projects/reborn', { auth: robot.credentials })).status).toBe(404);
    const catalog = await asRobot.fetch('/v2/_catalog');
    expect(((await catalog.json()) as { repositories: string[] }).repositories).not.toContain('reborn/private');
    // the grant went with the project
    expect((await call('GET', `/robots/${robot.id}`)).json.permissions).toEqual([]);
    expect(await grantRows(robot.id)).toEqual([]);
  });

  it('keeps naming projects on the wire, "*" included, and refuses a grant for a project that does not exist (404)', async () => {
    expect((await call('POST', '/projects', { auth: users.alice, body: { project_name: 'named', public: false } })).status).toBe(201);
    const robot = await createSystemRobot('named-grants', ['named', '*']);
    expect((await call('GET', `/robots/${robot.id}`)).json.permissions.map((p: { namespace: string }) => p.namespace)).toEqual(['named', '*']);
    const projectId = (await call('GET', '/projects/named')).json.project_id;
    expect(await grantRows(robot.id)).toEqual([{ project_id: projectId }, { project_id: null }]);
    expect(await tokenActions(robot.credentials, 'named/app')).toEqual(['pull', 'push']);
    const missing = await call('POST', '/robots', { body: { name: 'nowhere', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: 'no-such', access: READ_WRITE }] } });
    expect(missing.status).toBe(404);
  });

  it('migrates name-keyed grants to ids, dropping those whose project is already gone', async () => {
    expect((await call('POST', '/projects', { auth: users.alice, body: { project_name: 'migrated', public: false } })).status).toBe(201);
    const robot = await createSystemRobot('pre-migration', ['migrated', '*']);
    const migratedId = (await call('GET', '/projects/migrated')).json.project_id;
    const runner = { query: (sql: string) => db.query(sql) } as never;
    const migration = new RobotGrantsByProjectId1765020000000();
    await migration.down(runner);
    // what main stored: names, including one for a project deleted since
    await db.query(`INSERT INTO robot_permission (robot_id, kind, namespace, access) VALUES ($1, 'project', 'deleted-long-ago', '[{"resource":"repository","action":"pull"}]')`, [robot.id]);
    expect((await db.query(`SELECT namespace FROM robot_permission WHERE robot_id = $1 ORDER BY id`, [robot.id])).rows).toEqual([{ namespace: 'migrated' }, { namespace: '*' }, { namespace: 'deleted-long-ago' }]);
    await migration.up(runner);
    expect(await grantRows(robot.id)).toEqual([{ project_id: migratedId }, { project_id: null }]);
    expect(await tokenActions(robot.credentials, 'migrated/app')).toEqual(['pull', 'push']);
  });
});
