import { UserService } from '@wharf/iam';
import { ExecutionService, JobQueues, QueueName, bullOptions } from '@wharf/jobs';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ExecutionWatchdogProcessor } from '../../apps/worker/src/execution-watchdog.processor';
import { auditEntries } from '../support/audit-entries';
import { callApi, errorCodeOf, type ApiAnswer, type ApiCallOptions } from '../support/management-api';
import type { Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

/**
 * Harbor's /api/v2.0/replication/policies against a real api, Postgres and Redis: Harbor's
 * fields and validation (400), unique names (409), unknown ids (404), endpoints a policy uses
 * (412 on their delete), schedules written with the policy (row and BullMQ job scheduler),
 * audit entries, and /registries/{id}/info. Nothing here copies (no worker runs).
 */
describe('management API: /api/v2.0/replication/policies', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let maintenance: Queue;
  let plainRegistry: number;
  let harborNoCredential: number;
  let harborWithCredential: number;
  let dockerHub: number;
  const outsider: Credentials = { username: 'replication-outsider', password: 'Replication-Outsider-1' };

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> => callApi(api.url, method, path, options);
  const message = (answer: ApiAnswer): string => answer.json?.errors?.[0]?.message ?? '';

  async function createRegistry(body: Record<string, unknown>): Promise<number> {
    const answer = await call('POST', '/registries', { body });
    expect(answer.status).toBe(201);
    return Number(answer.headers.get('location')!.split('/').pop());
  }

  const pushPolicy = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    dest_registry: { id: plainRegistry },
    dest_namespace: 'mirror',
    trigger: { type: 'manual' },
    enabled: true,
    ...extra,
  });

  async function createPolicy(body: Record<string, unknown>): Promise<number> {
    const answer = await call('POST', '/replication/policies', { body });
    expect({ status: answer.status, message: message(answer) }).toEqual({ status: 201, message: '' });
    const location = answer.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v2\.0\/replication\/policies\/\d+$/);
    return Number(location.split('/').pop());
  }

  const scheduler = async (policyId: number) => (await maintenance.getJobSchedulers(0, -1)).find((s) => s.key === `schedule-REPLICATION-${policyId}`);
  const scheduleRow = async (policyId: number) =>
    (await db.query(`SELECT type, cron, parameters FROM schedule WHERE vendor_type = 'REPLICATION' AND vendor_id = $1`, [policyId])).rows[0];

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { REGISTRY_CREDENTIAL_KEY: randomBytes(32).toString('hex') });
    api = await startApi(environment);
    await api.app.get(UserService).create({ username: outsider.username, password: outsider.password, email: 'replication-outsider@example.com' });
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    maintenance = new Queue(QueueName.Maintenance, bullOptions(environment.config));
    plainRegistry = await createRegistry({ name: 'plain', type: 'docker-registry', url: 'http://127.0.0.1:5999' });
    harborNoCredential = await createRegistry({ name: 'harbor-anonymous', type: 'harbor', url: 'http://127.0.0.1:5998' });
    harborWithCredential = await createRegistry({
      name: 'harbor-with-robot', type: 'harbor', url: 'http://127.0.0.1:5997', credential: { type: 'basic', access_key: 'robot', access_secret: 'Robot-Secret-1' },
    });
    dockerHub = await createRegistry({ name: 'hub', type: 'docker-hub', credential: { type: 'basic', access_key: 'me', access_secret: 'Hub-Secret-1' } });
  });

  afterAll(async () => {
    await maintenance?.obliterate({ force: true }).catch(() => undefined);
    await maintenance?.close();
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  it('is for system administrators: anonymous 401, other users 403, in Harbor error shape', async () => {
    const endpoints: [string, string, unknown?][] = [
      ['GET', '/replication/policies'],
      ['POST', '/replication/policies', pushPolicy('nope')],
      ['GET', '/replication/policies/1'],
      ['PUT', '/replication/policies/1', pushPolicy('nope')],
      ['DELETE', '/replication/policies/1'],
      ['GET', `/registries/${plainRegistry}/info`],
    ];
    const seen: string[] = [];
    for (const [method, path, body] of endpoints) {
      const anonymous = await call(method, path, { auth: null, body });
      const other = await call(method, path, { auth: outsider, body });
      seen.push(`${method} ${path}: ${anonymous.status} ${errorCodeOf(anonymous)} / ${other.status} ${errorCodeOf(other)}`);
    }
    expect(seen).toEqual(endpoints.map(([method, path]) => `${method} ${path}: 401 UNAUTHORIZED / 403 FORBIDDEN`));
    expect((await db.query(`SELECT count(*)::int AS n FROM replication_policy`)).rows[0].n).toBe(0);
  });

  it('creates a push-based policy and reads it back with Harbor\'s fields, this Wharf as Local (id 0)', async () => {
    const id = await createPolicy(
      pushPolicy('push-all', {
        description: 'everything of library',
        dest_namespace_replace_count: 1,
        filters: [
          { type: 'name', value: 'library/**' },
          { type: 'tag', value: 'v*', decoration: 'matches' },
          { type: 'label', value: ['prod'], decoration: 'excludes' },
          { type: 'resource', value: 'image' },
        ],
        override: true,
        replicate_deletion: true,
        speed: 512,
        copy_by_chunk: true,
        single_active_replication: true,
      }),
    );
    const answer = await call('GET', `/replication/policies/${id}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      id,
      name: 'push-all',
      description: 'everything of library',
      src_registry: { id: 0, name: 'Local', type: 'harbor', description: 'this Wharf' },
      dest_registry: expect.objectContaining({ id: plainRegistry, name: 'plain', type: 'docker-registry', url: 'http://127.0.0.1:5999' }),
      dest_namespace: 'mirror',
      dest_namespace_replace_count: 1,
      trigger: { type: 'manual', trigger_settings: { cron: '' } },
      filters: [
        { type: 'name', value: 'library/**', decoration: 'matches' },
        { type: 'tag', value: 'v*', decoration: 'matches' },
        { type: 'label', value: ['prod'], decoration: 'excludes' },
        { type: 'resource', value: 'image' },
      ],
      replicate_deletion: true,
      deletion: true,
      override: true,
      enabled: true,
      speed: 512,
      copy_by_chunk: true,
      single_active_replication: true,
      creation_time: expect.any(String),
      update_time: expect.any(String),
    });
    // Harbor's defaults: replace count -1 (legacy flattening), disabled, no speed limit
    const minimal = await createPolicy({ name: 'pull-minimal', src_registry: { id: harborWithCredential } });
    const read = (await call('GET', `/replication/policies/${minimal}`)).json;
    expect(read).toMatchObject({
      src_registry: { id: harborWithCredential, credential: { type: 'basic', access_key: 'robot', access_secret: '*****' } },
      dest_registry: { id: 0, name: 'Local' },
      dest_namespace: '',
      dest_namespace_replace_count: -1,
      trigger: { type: 'manual' },
      filters: [],
      enabled: false,
      speed: 0,
      copy_by_chunk: false,
      single_active_replication: false,
    });
    expect(JSON.stringify(read)).not.toContain('Robot-Secret-1');
  });

  it.each([
    ['both sides remote', { name: 'x', src_registry: { id: 1 }, dest_registry: { id: 1 } }, 'either src_registry or dest_registry should be empty'],
    ['neither side remote', { name: 'x', dest_registry: null }, 'either src_registry or dest_registry should be empty'],
    ['an unknown endpoint', { name: 'x', dest_registry: { id: 9999 } }, 'registry 9999 not found'],
    ['an unknown trigger', { trigger: { type: 'sometimes' } }, 'invalid trigger type sometimes'],
    ['a schedule without cron', { trigger: { type: 'scheduled' } }, 'the cron string cannot be empty'],
    ['a 5-field cron', { trigger: { type: 'scheduled', trigger_settings: { cron: '0 2 * * *' } } }, 'expected 6 fields'],
    ['a cron with seconds', { trigger: { type: 'scheduled', trigger_settings: { cron: '5 0 2 * * *' } } }, 'the 1st field (indicating Seconds of time) of the cron setting must be 0'],
    ['a cron every minute', { trigger: { type: 'scheduled', trigger_settings: { cron: '0 * * * * *' } } }, '* is not allowed for the Minutes field'],
    ['single active with event_based', { trigger: { type: 'event_based' }, single_active_replication: true }, 'single active replication is not allowed for event_based triggers'],
    ['an unknown filter', { filters: [{ type: 'size', value: '1' }] }, 'invalid filter type size'],
    ['a label filter value that is no list', { filters: [{ type: 'label', value: 'prod' }] }, 'the value of a label filter is a list of label names'],
    ['an invalid namespace', { dest_namespace: 'Bad_Namespace!' }, 'invalid destination namespace'],
    ['a replace count the name filter cannot take', { dest_namespace_replace_count: 2, filters: [{ type: 'name', value: 'library/*' }] }, 'dest_namespace_replace_count 2 is more than the 1'],
    ['a replace count below -1', { dest_namespace_replace_count: -2 }, 'dest_namespace_replace_count must not be less than -1'],
    ['an unknown field', { colour: 'blue' }, 'property colour should not exist'],
  ])('refuses %s with 400', async (_what, change, expected) => {
    const body = { ...pushPolicy('invalid'), ...change };
    const answer = await call('POST', '/replication/policies', { body });
    expect({ status: answer.status, code: errorCodeOf(answer) }).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect(message(answer)).toContain(expected);
  });

  it('refuses what a remote source or destination cannot do', async () => {
    const refusals = [
      [{ name: 'pull-event', src_registry: { id: plainRegistry }, trigger: { type: 'event_based' } }, 'an event_based trigger reacts to pushes into this Wharf'],
      [{ name: 'pull-label', src_registry: { id: plainRegistry }, filters: [{ type: 'label', value: ['prod'] }] }, 'a label filter needs this Wharf as the source'],
      [{ name: 'push-harbor', dest_registry: { id: harborNoCredential } }, 'harbor takes no anonymous pushes'],
      [{ name: 'push-hub-chunks', dest_registry: { id: dockerHub }, copy_by_chunk: true }, 'does not take chunked uploads'],
    ] as const;
    for (const [body, expected] of refusals) {
      const answer = await call('POST', '/replication/policies', { body });
      expect({ status: answer.status, message: message(answer) }).toEqual({ status: 400, message: expect.stringContaining(expected) });
    }
    // a push to an endpoint with a credential is fine
    await createPolicy({ name: 'push-harbor-robot', dest_registry: { id: harborWithCredential } });
  });

  it('keeps names unique (409) and answers 404 for unknown ids', async () => {
    const id = await createPolicy(pushPolicy('unique-one'));
    await createPolicy(pushPolicy('unique-two'));
    const taken = await call('POST', '/replication/policies', { body: pushPolicy('unique-one') });
    expect({ status: taken.status, code: errorCodeOf(taken) }).toEqual({ status: 409, code: 'CONFLICT' });
    const renamed = await call('PUT', `/replication/policies/${id}`, { body: pushPolicy('unique-two') });
    expect({ status: renamed.status, code: errorCodeOf(renamed) }).toEqual({ status: 409, code: 'CONFLICT' });
    for (const [method, body] of [['GET'], ['PUT', pushPolicy('ghost')], ['DELETE']] as const) {
      const answer = await call(method, '/replication/policies/424242', { body });
      expect({ status: answer.status, code: errorCodeOf(answer), message: message(answer) }).toEqual({ status: 404, code: 'NOT_FOUND', message: 'replication policy 424242 not found' });
    }
    const badId = await call('GET', '/replication/policies/abc');
    expect(badId.status).toBe(400);
  });

  it('updates a policy as a whole (PUT) and lists with paging and a name query', async () => {
    const id = await createPolicy(pushPolicy('listed-a', { description: 'before' }));
    await createPolicy(pushPolicy('listed-b'));
    expect((await call('PUT', `/replication/policies/${id}`, { body: pushPolicy('listed-a', { description: 'after', override: true }) })).status).toBe(200);
    expect((await call('GET', `/replication/policies/${id}`)).json).toMatchObject({ description: 'after', override: true });

    const page = await call('GET', '/replication/policies?q=name%3D~listed&page=1&page_size=1');
    expect(page.status).toBe(200);
    expect(page.headers.get('x-total-count')).toBe('2');
    expect(page.headers.get('link')).toContain('rel="next"');
    expect(page.json.map((p: { name: string }) => p.name)).toEqual(['listed-a']);
    const exact = await call('GET', '/replication/policies?q=name%3Dlisted-b');
    expect(exact.json.map((p: { name: string }) => p.name)).toEqual(['listed-b']);
  });

  it('writes a scheduled policy\'s schedule with it (row and job scheduler), and removes it when disabled or deleted', async () => {
    const id = await createPolicy(pushPolicy('nightly', { trigger: { type: 'scheduled', trigger_settings: { cron: '0 30 2 * * *' } } }));
    expect(await scheduleRow(id)).toEqual({ type: 'Custom', cron: '0 30 2 * * *', parameters: { policy_id: id } });
    expect(await scheduler(id)).toMatchObject({ name: 'scheduled-replication', pattern: '0 30 2 * * *', tz: 'UTC', template: { data: { policyId: id } } });

    expect((await call('PUT', `/replication/policies/${id}`, { body: pushPolicy('nightly', { trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 4 * * 1' } } }) })).status).toBe(200);
    expect(await scheduler(id)).toMatchObject({ pattern: '0 0 4 * * 1' });

    expect((await call('PUT', `/replication/policies/${id}`, { body: pushPolicy('nightly', { enabled: false, trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 4 * * 1' } } }) })).status).toBe(200);
    expect(await scheduleRow(id)).toBeUndefined();
    expect(await scheduler(id)).toBeUndefined();

    expect((await call('PUT', `/replication/policies/${id}`, { body: pushPolicy('nightly', { trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 5 * * *' } } }) })).status).toBe(200);
    expect(await scheduler(id)).toMatchObject({ pattern: '0 0 5 * * *' });
    expect((await call('DELETE', `/replication/policies/${id}`)).status).toBe(200);
    expect(await scheduleRow(id)).toBeUndefined();
    expect(await scheduler(id)).toBeUndefined();
  });

  it('a registry endpoint a policy uses cannot be deleted (412) until the policy goes', async () => {
    const endpoint = await createRegistry({ name: 'in-use', type: 'docker-registry', url: 'http://127.0.0.1:5996' });
    const policy = await createPolicy({ name: 'holds-endpoint', src_registry: { id: endpoint } });
    const refused = await call('DELETE', `/registries/${endpoint}`);
    expect({ status: refused.status, code: errorCodeOf(refused) }).toEqual({ status: 412, code: 'PRECONDITION' });
    expect(message(refused)).toContain('replication policy holds-endpoint');
    expect((await call('DELETE', `/replication/policies/${policy}`)).status).toBe(200);
    expect((await call('DELETE', `/registries/${endpoint}`)).status).toBe(200);
  });

  it('refuses to delete a policy while one of its executions runs (412)', async () => {
    const id = await createPolicy(pushPolicy('busy'));
    const started = await call('POST', '/replication/executions', { body: { policy_id: id } });
    expect(started.status).toBe(201);
    const refused = await call('DELETE', `/replication/policies/${id}`);
    expect({ status: refused.status, code: errorCodeOf(refused) }).toEqual({ status: 412, code: 'PRECONDITION' });
    const executionId = Number(started.headers.get('location')!.split('/').pop());
    // no worker runs here: the execution is still resolving (no task) and is Stopped at once
    expect((await call('GET', `/replication/executions/${executionId}`)).json).toMatchObject({ status: 'InProgress', total: 0 });
    expect((await call('PUT', `/replication/executions/${executionId}`)).status).toBe(200);
    expect((await call('GET', `/replication/executions/${executionId}`)).json).toMatchObject({ status: 'Stopped', status_text: 'stopped before its artifacts were resolved' });
    expect((await call('DELETE', `/replication/policies/${id}`)).status).toBe(200);
    // its history went with it, as in Harbor
    expect((await call('GET', `/replication/executions/${executionId}`)).status).toBe(404);
  });

  it('the watchdog ends an execution whose resolution job was lost', async () => {
    const id = await createPolicy(pushPolicy('lost-resolution'));
    const started = await call('POST', '/replication/executions', { body: { policy_id: id } });
    const executionId = Number(started.headers.get('location')!.split('/').pop());
    const [{ job_id: jobId }] = (await db.query(`SELECT extra_attrs->>'job_id' AS job_id FROM execution WHERE id = $1`, [executionId])).rows;
    expect(jobId).toMatch(/^replication-execution:replication-execution-\d+-[0-9a-f]+$/);
    // Redis lost the job (no worker runs here to take it), and the grace period is over
    const replicationQueue = new Queue(QueueName.Replication, bullOptions(environment.config));
    await replicationQueue.remove(jobId.split(':')[1]);
    await replicationQueue.close();
    await db.query(`UPDATE execution SET start_time = start_time - interval '10 minutes' WHERE id = $1`, [executionId]);
    const watchdog = new ExecutionWatchdogProcessor(api.app.get(ExecutionService), api.app.get(JobQueues));
    expect(await watchdog.check()).toEqual({ stale: 0, lost: 1 });
    expect((await call('GET', `/replication/executions/${executionId}`)).json).toMatchObject({ status: 'Failed', status_text: 'the job preparing its tasks was lost' });
    expect((await call('DELETE', `/replication/policies/${id}`)).status).toBe(200);
  });

  it('audits creates, updates and deletes by policy name', async () => {
    const id = await createPolicy(pushPolicy('audited'));
    await call('PUT', `/replication/policies/${id}`, { body: pushPolicy('audited', { description: 'changed' }) });
    await call('DELETE', `/replication/policies/${id}`);
    const entries = (await auditEntries(api.app)).filter((e) => e.resourceType === 'replication-policy' && e.resource === 'audited');
    expect(entries.map((e) => [e.operation, e.username])).toEqual([
      ['create', 'admin'],
      ['update', 'admin'],
      ['delete', 'admin'],
    ]);
  });

  it('GET /registries/{id}/info says what replication can do with the endpoint (Harbor\'s RegistryInfo)', async () => {
    const plain = await call('GET', `/registries/${plainRegistry}/info`);
    expect(plain.status).toBe(200);
    expect(plain.json).toEqual({
      type: 'docker-registry',
      description: expect.any(String),
      supported_resource_filters: [
        { type: 'name', style: 'input' },
        { type: 'tag', style: 'input' },
        { type: 'resource', style: 'radio', values: ['image', 'artifact'] },
      ],
      supported_triggers: ['manual', 'scheduled'],
      supported_copy_by_chunk: true,
    });
    expect((await call('GET', `/registries/${dockerHub}/info`)).json).toMatchObject({ type: 'docker-hub', supported_copy_by_chunk: false });
    const unknown = await call('GET', '/registries/9999/info');
    expect({ status: unknown.status, code: errorCodeOf(unknown) }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });
});
