import type { INestApplicationContext } from '@nestjs/common';
import { ExecutionService, JobName, JobQueues, QueueName, bullOptions } from '@wharf/jobs';
import { REPLICATION_VENDOR, taskAttributesOf } from '@wharf/replication';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { auditEntries } from '../support/audit-entries';
import { streamConsumed } from '../support/event-stream';
import { eventually } from '../support/eventually';
import { callApi, errorCodeOf, type ApiAnswer, type ApiCallOptions } from '../support/management-api';
import { RegistryClient } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { ScriptedCatalog, ScriptedCopier, startWorkerWithEngine } from './scripted-copy-engine';

/**
 * Replication executions end to end on the control side: a real api and worker (Postgres, Redis,
 * BullMQ), content pushed into this Wharf over /v2, the event stream, schedules. The copy engine
 * is the scripted stand-in at the ArtifactCopier/RemoteCatalog contract (scripted-copy-engine.ts):
 * what is checked here is which items each policy resolves to, the tasks and their logs,
 * progress, stop, retries, dry runs and triggers, not the bytes (replication-copy's suites).
 */
describe('management API: /api/v2.0/replication/executions', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: Client;
  let registryId: number;
  const copier = new ScriptedCopier();
  const catalog = new ScriptedCatalog();
  const digests: Record<string, string> = {};

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> => callApi(api.url, method, path, options);
  const message = (answer: ApiAnswer): string => answer.json?.errors?.[0]?.message ?? '';
  const artifactPath = (project: string, repository: string, reference: string) =>
    `/projects/${project}/repositories/${encodeURIComponent(encodeURIComponent(repository))}/artifacts/${reference}`;

  async function createPolicy(name: string, extra: Record<string, unknown> = {}): Promise<number> {
    const answer = await call('POST', '/replication/policies', { body: { name, dest_registry: { id: registryId }, enabled: true, ...extra } });
    expect({ status: answer.status, message: message(answer) }).toEqual({ status: 201, message: '' });
    return Number(answer.headers.get('location')!.split('/').pop());
  }

  async function start(policyId: number, body: Record<string, unknown> = {}): Promise<number> {
    const answer = await call('POST', '/replication/executions', { body: { policy_id: policyId, ...body } });
    expect({ status: answer.status, message: message(answer) }).toEqual({ status: 201, message: '' });
    const location = answer.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v2\.0\/replication\/executions\/\d+$/);
    return Number(location.split('/').pop());
  }

  async function execution(id: number): Promise<Record<string, any>> {
    const answer = await call('GET', `/replication/executions/${id}`);
    expect(answer.status).toBe(200);
    return answer.json;
  }

  async function ended(id: number): Promise<Record<string, any>> {
    let last: Record<string, any> = {};
    await eventually(async () => {
      last = await execution(id);
      return last.status !== 'InProgress';
    }, 60_000);
    return last;
  }

  async function tasks(id: number): Promise<Record<string, any>[]> {
    const answer = await call('GET', `/replication/executions/${id}/tasks?page_size=100`);
    expect(answer.status).toBe(200);
    return answer.json;
  }

  async function log(executionId: number, taskId: number): Promise<string> {
    const answer = await call('GET', `/replication/executions/${executionId}/tasks/${taskId}/log`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    return answer.text;
  }

  const byResource = (list: Record<string, any>[]) => list.map((t) => [t.operation, t.src_resource, t.dst_resource, t.status]).sort();

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { REGISTRY_CREDENTIAL_KEY: randomBytes(32).toString('hex') });
    api = await startApi(environment);
    worker = await startWorkerWithEngine(environment, copier, catalog);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    const endpoint = await call('POST', '/registries', { body: { name: 'destination', type: 'docker-registry', url: 'http://127.0.0.1:5999' } });
    registryId = Number(endpoint.headers.get('location')!.split('/').pop());
    // `library` is there from the start (as in Harbor)
    expect((await call('POST', '/projects', { body: { project_name: 'other' } })).status).toBe(201);
    const v2 = new RegistryClient(api.url);
    const hello = await v2.pushImage('library/hello', 'v1');
    digests.hello = hello.digest;
    expect((await v2.pushManifest('library/hello', 'v1.1', hello.manifest, 'application/vnd.oci.image.manifest.v1+json')).status).toBe(201);
    digests.helloLatest = (await v2.pushImage('library/hello', 'latest')).digest;
    digests.tool = (await v2.pushImage('library/team/tool', 'v2')).digest;
    digests.app = (await v2.pushImage('other/app', 'v1')).digest;
  });

  afterAll(async () => {
    await worker?.close();
    if (environment) for (const name of Object.values(QueueName)) {
      const queue = new Queue(name, bullOptions(environment.config));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  beforeEach(() => {
    copier.calls.length = 0;
    copier.behaviours.clear();
  });

  it('is for system administrators', async () => {
    for (const [method, path, body] of [
      ['GET', '/replication/executions'],
      ['POST', '/replication/executions', { policy_id: 1 }],
      ['GET', '/replication/executions/1'],
      ['PUT', '/replication/executions/1'],
      ['GET', '/replication/executions/1/tasks'],
      ['GET', '/replication/executions/1/tasks/1/log'],
    ] as const) {
      const anonymous = await call(method, path, { auth: null, body });
      expect(`${method} ${path} ${anonymous.status} ${errorCodeOf(anonymous)}`).toBe(`${method} ${path} 401 UNAUTHORIZED`);
    }
  });

  it('refuses a start without a policy (400), of an unknown policy (404) and of a disabled one (412)', async () => {
    const missing = await call('POST', '/replication/executions', { body: {} });
    expect({ status: missing.status, code: errorCodeOf(missing) }).toEqual({ status: 400, code: 'BAD_REQUEST' });
    const unknown = await call('POST', '/replication/executions', { body: { policy_id: 9999 } });
    expect({ status: unknown.status, code: errorCodeOf(unknown), message: message(unknown) }).toEqual({ status: 404, code: 'NOT_FOUND', message: 'replication policy 9999 not found' });
    const disabled = await createPolicy('disabled', { enabled: false });
    const refused = await call('POST', '/replication/executions', { body: { policy_id: disabled } });
    expect({ status: refused.status, code: errorCodeOf(refused), message: message(refused) }).toEqual({ status: 412, code: 'PRECONDITION', message: `the policy ${disabled} is disabled` });
    for (const path of ['/replication/executions/9999', '/replication/executions/9999/tasks', '/replication/executions/9999/tasks/1/log']) {
      expect((await call('GET', path)).status).toBe(404);
    }
    expect((await call('PUT', '/replication/executions/9999')).status).toBe(404);
  });

  it('resolves a push-based policy to one task per artifact, under its filters and destination namespace', async () => {
    const policy = await createPolicy('push-library', {
      filters: [{ type: 'name', value: 'library/**' }, { type: 'tag', value: 'v*' }],
      dest_namespace: 'mirror',
      dest_namespace_replace_count: 1,
      override: true,
      speed: 256,
    });
    const id = await start(policy);
    const done = await ended(id);
    expect(done).toEqual({
      id,
      policy_id: policy,
      status: 'Succeed',
      trigger: 'manual',
      start_time: expect.any(String),
      end_time: expect.any(String),
      status_text: '',
      total: 2,
      failed: 0,
      succeed: 2,
      in_progress: 0,
      stopped: 0,
      dry_run: false,
    });
    const list = await tasks(id);
    // library/hello:latest passes no tag filter; other/app no name filter
    expect(byResource(list)).toEqual([
      ['copy', 'library/hello:[v1,v1.1]', 'mirror/hello:[v1,v1.1]', 'Succeed'],
      ['copy', 'library/team/tool:[v2]', 'mirror/team/tool:[v2]', 'Succeed'],
    ]);
    for (const task of list) {
      expect(task).toMatchObject({ execution_id: id, resource_type: 'image', job_id: expect.stringMatching(/^replication-task:replication-task-\d+-[0-9a-f]+$/) });
      expect(task.outcome).toMatchObject({ action: 'copied', blobsSent: 3 });
    }
    const items = copier.calls.map((c) => c.item).sort((a, b) => a.source.repository.localeCompare(b.source.repository));
    expect(items[0]).toEqual({
      operation: 'copy',
      source: { side: { kind: 'local' }, repository: 'library/hello', digest: digests.hello, tags: ['v1', 'v1.1'] },
      destination: { side: { kind: 'remote', registryId }, repository: 'mirror/hello', tags: ['v1', 'v1.1'] },
      override: true,
      copyByChunk: false,
      speedKiBps: 256,
    });
    const text = await log(id, list[0].id);
    expect(text).toMatch(/^\S+Z scripted copier: copy library\/\S+ -> mirror\//m);
    expect(text).toMatch(/copied: 3 blob\(s\) sent \(100 bytes\)/);

    const filtered = await call('GET', `/replication/executions?policy_id=${policy}&status=Succeed&trigger=manual`);
    expect(filtered.json.map((e: { id: number }) => e.id)).toEqual([id]);
    expect(filtered.headers.get('x-total-count')).toBe('1');
    expect((await call('GET', `/replication/executions?policy_id=${policy}&status=Failed`)).json).toEqual([]);
    expect((await call('GET', `/replication/executions?policy_id=${policy}&trigger=event_based`)).json).toEqual([]);
    expect((await call('GET', '/replication/executions?status=Bogus')).status).toBe(400);
    expect((await call('GET', `/replication/executions/${id}/tasks?status=Failed`)).json).toEqual([]);
    const entries = (await auditEntries(api.app)).filter((e) => e.resourceType === 'replication');
    expect(entries.map((e) => e.resource)).toContain(`execution ${id} of policy push-library`);
  });

  it('fails the task of an artifact whose path a replace count cannot take, saying why, and copies the others', async () => {
    const policy = await createPolicy('too-deep', { filters: [{ type: 'name', value: 'library/**' }], dest_namespace: 'deep', dest_namespace_replace_count: 2 });
    const id = await start(policy);
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'Failed', total: 3, failed: 2, succeed: 1 });
    const list = await tasks(id);
    expect(byResource(list)).toEqual([
      ['copy', 'library/hello:[latest]', 'library/hello:[latest]', 'Failed'],
      ['copy', 'library/hello:[v1,v1.1]', 'library/hello:[v1,v1.1]', 'Failed'],
      ['copy', 'library/team/tool:[v2]', 'deep/tool:[v2]', 'Succeed'],
    ]);
    const failed = list.find((t) => t.status === 'Failed')!;
    expect(await log(id, failed.id)).toContain('refused: the source repository library/hello has only 1 path segment(s) before its name, but the destination namespace replaces 2');
    expect(copier.calls.map((c) => c.item.source.repository)).toEqual(['library/team/tool']);
  });

  it('chooses by label and resource: a label filter needs the label on the artifact', async () => {
    const label = await call('POST', '/labels', { body: { name: 'release', scope: 'g' } });
    const labelId = Number(label.headers.get('location')!.split('/').pop());
    expect((await call('POST', `${artifactPath('other', 'app', 'v1')}/labels`, { body: { id: labelId } })).status).toBe(200);
    const policy = await createPolicy('released', { filters: [{ type: 'label', value: ['release'] }, { type: 'resource', value: 'image' }] });
    const id = await start(policy);
    expect(await ended(id)).toMatchObject({ status: 'Succeed', total: 1 });
    expect(byResource(await tasks(id))).toEqual([['copy', 'other/app:[v1]', 'other/app:[v1]', 'Succeed']]);
  });

  it('a dry run moves nothing and says what would be copied or skipped, and why', async () => {
    copier.behaviours.set('library/team/tool', async () => ({ action: 'skipped', reason: 'same digest at destination', bytesSent: 0, blobsSent: 0, blobsSkipped: 0, blobsMounted: 0 }));
    const policy = await createPolicy('dry', { filters: [{ type: 'name', value: 'library/**' }, { type: 'tag', value: 'v*' }] });
    const id = await start(policy, { dry_run: true });
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'Succeed', total: 2, dry_run: true });
    expect(copier.calls.every((c) => c.dryRun)).toBe(true);
    const list = await tasks(id);
    const logs = Object.fromEntries(await Promise.all(list.map(async (t) => [t.src_resource, await log(id, t.id)])));
    expect(logs['library/hello:[v1,v1.1]']).toContain('dry run: would copy');
    expect(logs['library/team/tool:[v2]']).toContain('skipped: same digest at destination');
    expect(list.find((t) => t.src_resource === 'library/team/tool:[v2]')).toMatchObject({ status: 'Succeed', status_message: 'same digest at destination', outcome: { action: 'skipped' } });
    const entries = (await auditEntries(api.app)).filter((e) => e.resourceType === 'replication');
    expect(entries.map((e) => e.resource)).toContain(`dry run execution ${id} of policy dry`);
  });

  it('stops a running execution: the copy\'s signal fires and the task ends Stopped', async () => {
    copier.behaviours.set('library/team/tool', (_item, context) => new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason))));
    const policy = await createPolicy('stoppable', { filters: [{ type: 'name', value: 'library/team/*' }] });
    const id = await start(policy);
    await eventually(async () => (await tasks(id)).some((t) => t.status === 'InProgress'));
    const stop = await call('PUT', `/replication/executions/${id}`);
    expect(stop.status).toBe(200);
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'Stopped', stopped: 1 });
    const [task] = await tasks(id);
    expect(await log(id, task.id)).toContain('stopped on request');
    // stopping what is over changes nothing
    expect((await call('PUT', `/replication/executions/${id}`)).status).toBe(200);
    expect((await execution(id)).status).toBe('Stopped');
  });

  it('single_active_replication: a start while one runs is recorded and skipped, as Harbor does', async () => {
    copier.behaviours.set('library/team/tool', (_item, context) => new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason))));
    const policy = await createPolicy('one-at-a-time', { filters: [{ type: 'name', value: 'library/team/*' }], single_active_replication: true });
    const first = await start(policy);
    await eventually(async () => (await tasks(first)).some((t) => t.status === 'InProgress'));
    const second = await start(policy);
    expect(await execution(second)).toMatchObject({ status: 'Failed', status_text: 'Execution skipped: active replication still in progress.', total: 0 });
    await call('PUT', `/replication/executions/${first}`);
    expect((await ended(first)).status).toBe('Stopped');
    const third = await start(policy);
    await eventually(async () => (await tasks(third)).some((t) => t.status === 'InProgress'));
    await call('PUT', `/replication/executions/${third}`);
    expect((await ended(third)).status).toBe('Stopped');
  });

  it('a failed attempt is retried, and the retry gets the progress the first one saved', async () => {
    let attempts = 0;
    copier.behaviours.set('library/team/tool', async (_item, context, loaded) => {
      attempts += 1;
      if (attempts === 1) {
        await context.progress.save({ finishedBlobs: ['sha256:aaa'] });
        throw new Error('connection reset by the destination');
      }
      return { action: 'copied', bytesSent: 5, blobsSent: 1, blobsSkipped: (loaded.finishedBlobs as string[]).length, blobsMounted: 0 };
    });
    const policy = await createPolicy('retried', { filters: [{ type: 'name', value: 'library/team/*' }] });
    const id = await start(policy);
    expect(await ended(id)).toMatchObject({ status: 'Succeed', succeed: 1 });
    expect(copier.calls.map((c) => c.loaded)).toEqual([{}, { finishedBlobs: ['sha256:aaa'] }]);
    const [task] = await tasks(id);
    const text = await log(id, task.id);
    expect(text).toContain('attempt 1 failed: connection reset by the destination');
    expect(text).toContain('attempt 2: resuming from the saved progress');
    expect(task.outcome).toMatchObject({ blobsSkipped: 1 });
  });

  it('a task its worker left Running (killed mid-copy) is resumed by its job\'s next run, with the saved progress', async () => {
    // the state a killed worker leaves: the task Running with the engine's progress saved, and BullMQ handing the job to another worker
    const policy = await createPolicy('resumed', { filters: [{ type: 'name', value: 'library/team/*' }] });
    const item = {
      operation: 'copy' as const, source: { side: { kind: 'local' as const }, repository: 'library/team/tool', digest: digests.tool, tags: ['v2'] },
      destination: { side: { kind: 'remote' as const, registryId }, repository: 'library/team/tool', tags: ['v2'] }, override: false, copyByChunk: false, speedKiBps: null,
    };
    const executions = api.app.get(ExecutionService);
    const { executionId, taskIds: [taskId] } = await executions.create({ vendorType: REPLICATION_VENDOR, vendorId: policy, tasks: [taskAttributesOf(item, true, false) as unknown as Record<string, unknown>] });
    expect(await executions.transition(taskId, 'Running')).toBe(true);
    await executions.progress(taskId, { copy: { finishedBlobs: ['sha256:bbb', 'sha256:ccc'] } });
    await api.app.get(JobQueues).enqueue({ name: JobName.ReplicationTask, data: { executionId, taskId, dryRun: false } });
    expect(await ended(executionId)).toMatchObject({ status: 'Succeed', succeed: 1 });
    expect(copier.calls.map((c) => c.loaded)).toEqual([{ finishedBlobs: ['sha256:bbb', 'sha256:ccc'] }]);
    expect(await log(executionId, taskId)).toContain('resuming a run its worker left: the saved progress is kept');
  });

  it('resolves a pull-based policy through the remote catalog, into this Wharf', async () => {
    const source = await call('POST', '/registries', { body: { name: 'pull-source', type: 'docker-registry', url: 'http://127.0.0.1:5995' } });
    const sourceId = Number(source.headers.get('location')!.split('/').pop());
    const digest = `sha256:${'1'.repeat(64)}`;
    catalog.content.set(
      sourceId,
      new Map([
        ['team/a/app', [{ repository: 'team/a/app', digest, tags: ['1.0', 'dev'], mediaType: 'application/vnd.oci.image.manifest.v1+json' }]],
        ['team/b/chart', [{ repository: 'team/b/chart', digest, tags: ['1.0'], mediaType: 'application/vnd.oci.artifact.manifest.v1+json' }]],
        ['elsewhere/x', [{ repository: 'elsewhere/x', digest, tags: ['1.0'], mediaType: 'application/vnd.oci.image.manifest.v1+json' }]],
      ]),
    );
    const answer = await call('POST', '/replication/policies', {
      body: {
        name: 'pull-team', src_registry: { id: sourceId }, enabled: true, dest_namespace: 'library', dest_namespace_replace_count: -1,
        filters: [{ type: 'name', value: 'team/**' }, { type: 'tag', value: 'dev', decoration: 'excludes' }, { type: 'resource', value: 'image' }],
      },
    });
    expect(answer.status).toBe(201);
    const id = await start(Number(answer.headers.get('location')!.split('/').pop()));
    expect(await ended(id)).toMatchObject({ status: 'Succeed', total: 1 });
    expect(byResource(await tasks(id))).toEqual([['copy', 'team/a/app:[1.0]', 'library/app:[1.0]', 'Succeed']]);
    expect(copier.calls[0].item).toMatchObject({ source: { side: { kind: 'remote', registryId: sourceId } }, destination: { side: { kind: 'local' }, repository: 'library/app' } });
  });

  it('a scheduled policy\'s tick starts an execution with trigger scheduled', async () => {
    const policy = await createPolicy('ticking', { filters: [{ type: 'name', value: 'other/**' }], trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 3 * * *' } } });
    // what the job scheduler queues at each tick (its template), queued now instead of at 03:00
    const maintenance = new Queue(QueueName.Maintenance, bullOptions(environment.config));
    const scheduler = (await maintenance.getJobSchedulers(0, -1)).find((s) => s.key === `schedule-REPLICATION-${policy}`);
    await maintenance.close();
    expect(scheduler).toMatchObject({ name: JobName.ScheduledReplication, pattern: '0 0 3 * * *', template: { data: { policyId: policy } } });
    await api.app.get(JobQueues).enqueue({ name: JobName.ScheduledReplication, data: scheduler!.template!.data as { policyId: number } });
    let found: Record<string, any>[] = [];
    await eventually(async () => {
      found = (await call('GET', `/replication/executions?policy_id=${policy}`)).json;
      return found.length === 1 && found[0].status === 'Succeed';
    }, 30_000);
    expect(found[0]).toMatchObject({ trigger: 'scheduled', total: 1 });
  });

  it('event_based: a push starts an execution for matching policies; with replicate_deletion, deletes follow', async () => {
    const policy = await createPolicy('on-push', {
      trigger: { type: 'event_based' }, filters: [{ type: 'name', value: 'library/evt*' }], replicate_deletion: true, dest_namespace: 'mirror', dest_namespace_replace_count: 1,
    });
    await createPolicy('on-push-elsewhere', { trigger: { type: 'event_based' }, filters: [{ type: 'name', value: 'other/**' }] });
    const v2 = new RegistryClient(api.url);
    const pushed = await v2.pushImage('library/evt', 'v1');
    expect((await call('POST', `${artifactPath('library', 'evt', pushed.digest)}/tags`, { body: { name: 'v2' } })).status).toBe(201);
    await streamConsumed(worker, ['replication']);
    let executions: Record<string, any>[] = [];
    await eventually(async () => {
      executions = (await call('GET', `/replication/executions?policy_id=${policy}&trigger=event_based`)).json;
      return executions.length === 2 && executions.every((e) => e.status === 'Succeed');
    }, 30_000);
    const pushTasks = (await Promise.all(executions.map((e) => tasks(e.id)))).flat();
    expect(byResource(pushTasks)).toEqual([
      ['copy', 'library/evt:[v1]', 'mirror/evt:[v1]', 'Succeed'],
      ['copy', 'library/evt:[v2]', 'mirror/evt:[v2]', 'Succeed'],
    ]);

    expect((await call('DELETE', `${artifactPath('library', 'evt', pushed.digest)}/tags/v2`)).status).toBe(200);
    expect((await call('DELETE', artifactPath('library', 'evt', pushed.digest))).status).toBe(200);
    await streamConsumed(worker, ['replication']);
    await eventually(async () => {
      executions = (await call('GET', `/replication/executions?policy_id=${policy}&trigger=event_based`)).json;
      return executions.length === 4 && executions.every((e) => e.status === 'Succeed');
    }, 30_000);
    const deletions = (await Promise.all(executions.slice(0, 2).map((e) => tasks(e.id)))).flat();
    expect(byResource(deletions)).toEqual([
      ['deletion', 'library/evt:[v1]', 'mirror/evt:[v1]', 'Succeed'],
      ['deletion', 'library/evt:[v2]', 'mirror/evt:[v2]', 'Succeed'],
    ]);
    // the two executions run side by side (the replication queue's concurrency), so in either order
    const deleteItems = copier.calls.filter((c) => c.item.operation === 'delete').map((c) => c.item);
    expect(deleteItems.map((i) => [i.destination.tags, i.tagsOnly ?? false]).sort()).toEqual([
      [['v1'], false],
      [['v2'], true],
    ]);
  });
});
