import { QueueName, bullOptions } from '@wharf/jobs';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { auditEntries } from '../support/audit-entries';
import { callApi, errorCodeOf, type ApiAnswer, type ApiCallOptions } from '../support/management-api';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

interface ExpectedEntry {
  projectId?: number | null;
  operation: string;
  resourceType: string;
  resource: string;
}

/** What a management action changes, and how the test tells whether it happened. */
interface Action {
  name: string;
  method: string;
  /** a function when it names something an earlier action made */
  path: string | (() => Promise<string>);
  body: unknown;
  status: number;
  /** whether the change is visible in the database */
  happened: (db: Client) => Promise<boolean>;
  entry: ExpectedEntry | (() => Promise<ExpectedEntry>);
}

const TRIGGER_MESSAGE = 'audit_log refused by the atomicity test';

describe('audit entries are written in the transaction of the change they describe', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let gcQueue: Queue;

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> => callApi(api.url, method, path, options);
  const exists = async (sql: string, params: unknown[]): Promise<boolean> => (await db.query(sql, params)).rowCount! > 0;
  /** the GC run the Manual action started */
  const gcRunId = async (): Promise<number> => Number((await db.query(`SELECT max(id) AS id FROM execution WHERE vendor_type = 'GARBAGE_COLLECTION'`)).rows[0].id);

  /** Every INSERT into audit_log fails from now on, as a full disk or a broken column would make it. */
  async function refuseAuditInserts(): Promise<void> {
    await db.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${TRIGGER_MESSAGE}'; END $$`);
    await db.query(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit()`);
  }

  async function allowAuditInserts(): Promise<void> {
    await db.query(`DROP TRIGGER IF EXISTS refuse_audit ON audit_log`);
    await db.query(`DROP FUNCTION IF EXISTS refuse_audit()`);
  }

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    // no worker here: the GC run stays queued until the suite removes it
    gcQueue = new Queue(QueueName.GarbageCollection, bullOptions(environment.config));
  });

  afterAll(async () => {
    // the schedule's job scheduler lives in Redis: removed the way it was made
    if (api) await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'None' } } });
    await gcQueue?.obliterate({ force: true }).catch(() => undefined);
    await gcQueue?.close();
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  afterEach(allowAuditInserts);

  // in order: later actions use what earlier ones made (the user, the project)
  const actions: Action[] = [
    {
      name: 'create a user (iam)',
      method: 'POST',
      path: '/users',
      body: { username: 'atomic-user', password: 'Atomic-Pass-1', email: 'atomic-user@example.com', realname: 'Atomic' },
      status: 201,
      happened: () => exists(`SELECT 1 FROM harbor_user WHERE username = $1`, ['atomic-user']),
      entry: { projectId: null, operation: 'create', resourceType: 'user', resource: 'atomic-user' },
    },
    {
      name: 'create a project (projects)',
      method: 'POST',
      path: '/projects',
      body: { project_name: 'atomic' },
      status: 201,
      happened: () => exists(`SELECT 1 FROM project WHERE name = $1`, ['atomic']),
      entry: { operation: 'create', resourceType: 'project', resource: 'atomic' },
    },
    {
      name: 'add a member (iam)',
      method: 'POST',
      path: '/projects/atomic/members',
      body: { role_id: 2, member_user: { username: 'atomic-user' } },
      status: 201,
      happened: () => exists(`SELECT 1 FROM project_member m JOIN harbor_user u ON u.user_id = m.entity_id WHERE u.username = $1`, ['atomic-user']),
      entry: { operation: 'create', resourceType: 'member', resource: 'atomic:atomic-user' },
    },
    {
      name: 'add project metadata (projects)',
      method: 'POST',
      path: '/projects/atomic/metadatas',
      body: { auto_scan: 'true' },
      status: 200,
      happened: () => exists(`SELECT 1 FROM project_metadata WHERE name = 'auto_scan' AND value = 'true'`, []),
      entry: { operation: 'create', resourceType: 'metadata', resource: 'atomic:auto_scan' },
    },
    {
      name: 'change a system setting (projects)',
      method: 'PUT',
      path: '/configurations',
      body: { storage_per_project: 424242 },
      status: 200,
      happened: () => exists(`SELECT 1 FROM system_setting WHERE name = 'storage_per_project' AND value::text = '424242'`, []),
      entry: { projectId: null, operation: 'update', resourceType: 'configuration', resource: 'storage_per_project' },
    },
    {
      name: 'create a registry endpoint (registries)',
      method: 'POST',
      path: '/registries',
      body: { name: 'atomic-hub', type: 'docker-hub' },
      status: 201,
      happened: () => exists(`SELECT 1 FROM registry WHERE name = $1`, ['atomic-hub']),
      entry: { projectId: null, operation: 'create', resourceType: 'registry', resource: 'atomic-hub' },
    },
    {
      name: 'create a robot (iam)',
      method: 'POST',
      path: '/robots',
      body: { name: 'atomic-bot', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] },
      status: 201,
      happened: () => exists(`SELECT 1 FROM robot WHERE name = $1`, ['robot$atomic-bot']),
      entry: { projectId: null, operation: 'create', resourceType: 'robot', resource: 'robot$atomic-bot' },
    },
    {
      name: 'set the GC schedule (gc)',
      method: 'PUT',
      path: '/system/gc/schedule',
      body: { schedule: { type: 'Daily' } },
      status: 200,
      happened: () => exists(`SELECT 1 FROM schedule WHERE vendor_type = 'GARBAGE_COLLECTION'`, []),
      entry: { projectId: null, operation: 'create', resourceType: 'gc', resource: 'schedule' },
    },
    {
      name: 'start a GC run (gc)',
      method: 'POST',
      path: '/system/gc/schedule',
      body: { schedule: { type: 'Manual' } },
      status: 201,
      happened: () => exists(`SELECT 1 FROM execution WHERE vendor_type = 'GARBAGE_COLLECTION'`, []),
      entry: async () => ({ projectId: null, operation: 'create', resourceType: 'gc', resource: `execution ${await gcRunId()}` }),
    },
    {
      name: 'stop the GC run (gc, jobs)',
      method: 'PUT',
      path: async () => `/system/gc/${await gcRunId()}`,
      body: undefined,
      status: 200,
      happened: async () => exists(`SELECT 1 FROM execution WHERE id = $1 AND stop_requested`, [await gcRunId()]),
      entry: async () => ({ projectId: null, operation: 'update', resourceType: 'gc', resource: `execution ${await gcRunId()}` }),
    },
    {
      name: 'describe a repository (artifacts)',
      method: 'PUT',
      // repositories come from pushes; a bare row is all a description needs
      path: async () => {
        await db.query(`INSERT INTO repository (project_id, name) SELECT project_id, 'atomic/app' FROM project WHERE name = 'atomic' ON CONFLICT (name) DO NOTHING`);
        return '/projects/atomic/repositories/app';
      },
      body: { description: 'audited with its change' },
      status: 200,
      happened: () => exists(`SELECT 1 FROM repository WHERE name = 'atomic/app' AND description = $1`, ['audited with its change']),
      entry: { operation: 'update', resourceType: 'repository', resource: 'atomic/app' },
    },
    {
      name: 'delete a repository (artifacts)',
      method: 'DELETE',
      path: '/projects/atomic/repositories/app',
      body: undefined,
      status: 200,
      happened: async () => !(await exists(`SELECT 1 FROM repository WHERE name = $1`, ['atomic/app'])),
      entry: { operation: 'delete', resourceType: 'repository', resource: 'atomic/app' },
    },
    {
      name: 'delete the project (projects)',
      method: 'DELETE',
      path: '/projects/atomic',
      body: undefined,
      status: 200,
      happened: async () => !(await exists(`SELECT 1 FROM project WHERE name = $1`, ['atomic'])),
      entry: { operation: 'delete', resourceType: 'project', resource: 'atomic' },
    },
  ];

  it.each(actions.map((action) => [action.name, action] as const))('%s: a refused audit entry rolls the change back; allowed, the change comes with exactly one entry', async (_name, action) => {
    const before = (await auditEntries(api.app)).length;
    const path = typeof action.path === 'string' ? action.path : await action.path();

    await refuseAuditInserts();
    const refused = await call(action.method, path, { body: action.body });
    expect(refused.status).toBe(500);
    expect(errorCodeOf(refused)).toBe('INTERNAL_SERVER_ERROR');
    expect(refused.text).not.toContain(TRIGGER_MESSAGE);
    expect(await action.happened(db)).toBe(false);
    expect(await auditEntries(api.app)).toHaveLength(before);

    await allowAuditInserts();
    const done = await call(action.method, path, { body: action.body });
    expect(done.status).toBe(action.status);
    expect(await action.happened(db)).toBe(true);
    // committed with the change: there by the time the answer arrived, nothing to wait for
    const added = (await auditEntries(api.app)).slice(before);
    const entry = typeof action.entry === 'function' ? await action.entry() : action.entry;
    expect(added).toEqual([expect.objectContaining({ ...entry, username: 'admin', clientIp: '127.0.0.1', userAgent: expect.any(String) })]);
  });

  it('cuts an over-long user agent to its column instead of refusing the change over it', async () => {
    const agent = `very-long-agent/${'x'.repeat(700)}`;
    expect((await call('POST', '/registries', { body: { name: 'long-agent', type: 'docker-hub' }, headers: { 'user-agent': agent } })).status).toBe(201);
    const [entry] = (await auditEntries(api.app)).filter((e) => e.resource === 'long-agent');
    expect(entry.userAgent).toBe(agent.slice(0, 512));
  });

  it('an entry is in /audit-logs in the answer right after the change (no flush, no wait)', async () => {
    const user = await call('GET', '/users?q=username%3Datomic-user');
    const id = (user.json as { user_id: number }[])[0].user_id;
    expect((await call('PUT', `/users/${id}`, { body: { comment: 'seen at once' } })).status).toBe(200);
    const log = await call('GET', `/audit-logs?page_size=1&q=${encodeURIComponent('resource=atomic-user')}`);
    expect(log.status).toBe(200);
    expect(log.json).toEqual([expect.objectContaining({ operation: 'update', resource_type: 'user', resource: 'atomic-user', username: 'admin' })]);
  });

  it('a refused change is still not audited (its transaction rolls back with it)', async () => {
    const before = (await auditEntries(api.app)).length;
    // the endpoint exists already: a conflict, refused inside the transaction
    expect((await call('POST', '/registries', { body: { name: 'atomic-hub', type: 'docker-hub' } })).status).toBe(409);
    expect(await auditEntries(api.app)).toHaveLength(before);
  });
});
