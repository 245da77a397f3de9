import { GC_VENDOR_TYPE, GcLauncher } from '@wharf/gc';
import { UserService } from '@wharf/iam';
import { ExecutionService, JobName, JobQueues, QueueName, ScheduleService, bullOptions } from '@wharf/jobs';
import { Queue, type JobSchedulerJson } from 'bullmq';
import { Client } from 'pg';
import { GcScheduleProcessor } from '../../apps/worker/src/gc-schedule.processor';
import { type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { spawnWorker, startWorker } from '../support/worker-context';
import { callApi, errorCodeOf, type ApiAnswer as Answer, type ApiCallOptions } from '../support/management-api';
import { auditEntries } from '../support/audit-entries';


const SCHEDULER_ID = 'schedule-GARBAGE_COLLECTION';
const HOUR = 3_600_000;
const DEFAULT_PARAMETERS = { delete_untagged: false, dry_run: false, workers: 1 };

/**
 * Harbor's /api/v2.0/system/gc against a real api, Postgres and Redis: the schedule (row and
 * BullMQ job scheduler kept together), manual runs, history, logs and stop. No worker runs
 * except in the last test, so a launched collection stays pending until it is stopped; nothing
 * here depends on a collection actually completing.
 */
describe('management API: /api/v2.0/system/gc', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let maintenance: Queue;
  const user: Credentials = { username: 'gc-outsider', password: 'Gc-Outsider-Pass-1' };

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<Answer> => callApi(api.url, method, path, options);

  const errorCode = errorCodeOf;
  const scheduler = async (): Promise<JobSchedulerJson | undefined> => (await maintenance.getJobSchedulers(0, -1)).find((s) => s.key === SCHEDULER_ID);
  const scheduleRows = async () => (await db.query(`SELECT vendor_type, vendor_id, type, cron, parameters FROM schedule`)).rows;
  const gcExecutionCount = async (): Promise<number> => (await db.query(`SELECT count(*)::int AS n FROM execution WHERE vendor_type = $1`, [GC_VENDOR_TYPE])).rows[0].n;
  const gcEntries = async () => (await auditEntries(api.app)).filter((entry) => entry.resourceType === 'gc');

  /** Stops every GC execution still pending or running (so the next launch is not refused). */
  async function stopActive(): Promise<void> {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM execution WHERE vendor_type = $1 AND status IN ('Pending', 'Running')`, [GC_VENDOR_TYPE]);
    for (const row of rows) expect((await call('PUT', `/system/gc/${row.id}`)).status).toBe(200);
  }

  async function launchManual(parameters: Record<string, unknown> = {}): Promise<number> {
    const answer = await call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters } });
    expect(answer.status).toBe(201);
    const location = answer.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v2\.0\/system\/gc\/\d+$/);
    return Number(location.split('/').pop());
  }

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    await api.app.get(UserService).create({ username: user.username, password: user.password, email: 'gc-outsider@example.com' });
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    maintenance = new Queue(QueueName.Maintenance, bullOptions(environment.config));
  });

  afterAll(async () => {
    await maintenance?.obliterate({ force: true }).catch(() => undefined);
    await maintenance?.close();
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  describe('access', () => {
    const endpoints: [string, string, unknown?][] = [
      ['GET', '/system/gc/schedule'],
      ['POST', '/system/gc/schedule', { schedule: { type: 'Manual' } }],
      ['PUT', '/system/gc/schedule', { schedule: { type: 'Daily' } }],
      ['GET', '/system/gc'],
      ['GET', '/system/gc/1'],
      ['GET', '/system/gc/1/log'],
      ['PUT', '/system/gc/1'],
    ];

    it('is for system administrators: anonymous callers get 401, other users 403, in Harbor error shape', async () => {
      const seen: string[] = [];
      for (const [method, path, body] of endpoints) {
        const anonymous = await call(method, path, { auth: null, body });
        const other = await call(method, path, { auth: user, body });
        seen.push(`${method} ${path}: ${anonymous.status} ${errorCode(anonymous)} ${anonymous.headers.get('www-authenticate')} / ${other.status} ${errorCode(other)}`);
        expect(Object.keys(other.json)).toEqual(['errors']);
        expect(other.json.errors[0]).toEqual({ code: 'FORBIDDEN', message: expect.any(String) });
      }
      expect(seen).toEqual(endpoints.map(([method, path]) => `${method} ${path}: 401 UNAUTHORIZED Basic realm="wharf" / 403 FORBIDDEN`));
      // nothing happened on their behalf
      expect(await gcExecutionCount()).toBe(0);
      expect(await scheduleRows()).toEqual([]);
      expect(await scheduler()).toBeUndefined();
    });
  });

  describe('the schedule', () => {
    afterEach(async () => {
      await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'None' } } });
    });

    it('is None until one is set', async () => {
      const answer = await call('GET', '/system/gc/schedule');
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ schedule: { type: 'None', cron: '' }, parameters: {}, job_parameters: '{}' });
    });

    it.each([
      ['Hourly', '0 0 * * * *', HOUR, (d: Date) => d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0],
      ['Daily', '0 0 0 * * *', 24 * HOUR, (d: Date) => d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0],
      ['Weekly', '0 0 0 * * 0', 7 * 24 * HOUR, (d: Date) => d.getUTCDay() === 0 && d.getUTCHours() === 0 && d.getUTCMinutes() === 0],
    ])('POST %s sets Harbor\'s preset cron, in the table and as the BullMQ job scheduler', async (type, cron, within, onTick) => {
      const before = Date.now();
      const created = await call('POST', '/system/gc/schedule', { body: { schedule: { type } } });
      expect(created.status).toBe(201);

      const answer = await call('GET', '/system/gc/schedule');
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        id: expect.any(Number),
        schedule: { type, cron, next_scheduled_time: expect.any(String) },
        parameters: DEFAULT_PARAMETERS,
        job_parameters: JSON.stringify(DEFAULT_PARAMETERS),
        creation_time: expect.any(String),
        update_time: expect.any(String),
      });
      const next = new Date(answer.json.schedule.next_scheduled_time);
      expect(next.getTime()).toBeGreaterThan(before);
      expect(next.getTime()).toBeLessThanOrEqual(Date.now() + within);
      expect(onTick(next)).toBe(true);

      expect(await scheduleRows()).toEqual([{ vendor_type: GC_VENDOR_TYPE, vendor_id: null, type, cron, parameters: DEFAULT_PARAMETERS }]);
      expect(await scheduler()).toMatchObject({
        key: SCHEDULER_ID,
        name: JobName.ScheduledGarbageCollection,
        pattern: cron,
        tz: 'UTC',
        template: { data: { deleteUntagged: false, dryRun: false, workers: 1 } },
      });
      expect((await gcEntries()).at(-1)).toMatchObject({ operation: 'create', resourceType: 'gc', resource: 'schedule', username: 'admin', projectId: null });
    });

    it('PUT Custom replaces the schedule with its cron and parameters; GET answers what was set', async () => {
      expect((await call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Daily' } } })).status).toBe(201);
      const first = (await call('GET', '/system/gc/schedule')).json;

      const parameters = { delete_untagged: true, dry_run: true, workers: 3 };
      const updated = await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '0 30 2 * * 3' }, parameters } });
      expect(updated.status).toBe(200);
      expect(updated.text).toBe('');

      const answer = (await call('GET', '/system/gc/schedule')).json;
      expect(answer).toMatchObject({ id: first.id, schedule: { type: 'Custom', cron: '0 30 2 * * 3' }, parameters, job_parameters: JSON.stringify(parameters) });
      expect(answer.creation_time).toBe(first.creation_time);
      expect(new Date(answer.update_time).getTime()).toBeGreaterThanOrEqual(new Date(first.update_time).getTime());
      const next = new Date(answer.schedule.next_scheduled_time);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime()).toBeLessThanOrEqual(Date.now() + 7 * 24 * HOUR);
      expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([3, 2, 30, 0]);

      expect(await scheduleRows()).toHaveLength(1);
      const schedulers = (await maintenance.getJobSchedulers(0, -1)).filter((s) => s.key.startsWith('schedule-'));
      expect(schedulers).toHaveLength(1);
      expect(schedulers[0]).toMatchObject({ key: SCHEDULER_ID, pattern: '0 30 2 * * 3', tz: 'UTC', template: { data: { deleteUntagged: true, dryRun: true, workers: 3 } } });
      expect((await gcEntries()).at(-1)).toMatchObject({ operation: 'update', resource: 'schedule' });

      // what GET answered can be sent back as is (next_scheduled_time is read-only and ignored)
      const echoed = await call('PUT', '/system/gc/schedule', { body: { schedule: answer.schedule, parameters: answer.parameters } });
      expect(echoed.status).toBe(200);
      expect((await call('GET', '/system/gc/schedule')).json.schedule.cron).toBe('0 30 2 * * 3');
    });

    it('a preset type keeps an explicit cron it is given', async () => {
      expect((await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'Daily', cron: '0 0 2 * * *' } } })).status).toBe(200);
      expect((await call('GET', '/system/gc/schedule')).json.schedule).toMatchObject({ type: 'Daily', cron: '0 0 2 * * *' });
      expect((await scheduler())?.pattern).toBe('0 0 2 * * *');
    });

    it('None removes the row and the job scheduler; None with nothing set is a no-op', async () => {
      expect((await call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Hourly' } } })).status).toBe(201);
      expect(await scheduler()).toBeDefined();

      const removed = await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'None' } } });
      expect(removed.status).toBe(200);
      expect(await scheduleRows()).toEqual([]);
      expect(await scheduler()).toBeUndefined();
      expect((await call('GET', '/system/gc/schedule')).json.schedule).toEqual({ type: 'None', cron: '' });
      expect((await gcEntries()).at(-1)).toMatchObject({ operation: 'delete', resource: 'schedule' });

      const entries = (await gcEntries()).length;
      expect((await call('POST', '/system/gc/schedule', { body: { schedule: { type: 'None' } } })).status).toBe(201);
      expect(await gcEntries()).toHaveLength(entries);
    });

    it('refuses invalid bodies with 400 and leaves the schedule as it was', async () => {
      expect((await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'Weekly' } } })).status).toBe(200);
      const before = (await call('GET', '/system/gc/schedule')).json;
      const invalid: [string, unknown, string?][] = [
        ['bad cron', { schedule: { type: 'Custom', cron: '0 0 25 * * *' } }],
        ['not a cron', { schedule: { type: 'Custom', cron: 'every day' } }],
        ['5-field cron', { schedule: { type: 'Custom', cron: '0 2 * * *' } }, '6 fields'],
        ['7-field cron', { schedule: { type: 'Custom', cron: '0 0 2 * * * 2030' } }, '6 fields'],
        ['5-field cron on a preset', { schedule: { type: 'Daily', cron: '0 2 * * *' } }],
        ['Custom without cron', { schedule: { type: 'Custom' } }],
        ['Custom with empty cron', { schedule: { type: 'Custom', cron: '  ' } }],
        ['workers 0', { schedule: { type: 'Daily' }, parameters: { workers: 0 } }],
        ['workers 6', { schedule: { type: 'Daily' }, parameters: { workers: 6 } }],
        ['workers 1.5', { schedule: { type: 'Daily' }, parameters: { workers: 1.5 } }],
        ['workers as a string', { schedule: { type: 'Daily' }, parameters: { workers: '2' } }],
        ['dry_run not a boolean', { schedule: { type: 'Daily' }, parameters: { dry_run: 'yes' } }],
        ['unknown type', { schedule: { type: 'Monthly' } }],
        ['no schedule', { parameters: {} }],
        ['schedule not an object', { schedule: 'Daily' }],
        ['extra field', { schedule: { type: 'Daily' }, extra: 1 }],
        ['extra schedule field', { schedule: { type: 'Daily', when: 'now' } }],
        ['extra parameter', { schedule: { type: 'Daily' }, parameters: { time_window: 2 } }],
        ['workers 6 on Manual', { schedule: { type: 'Manual' }, parameters: { workers: 6 } }],
      ];
      const answers: string[] = [];
      for (const [name, body, message] of invalid) {
        for (const method of ['POST', 'PUT']) {
          const answer = await call(method, '/system/gc/schedule', { body });
          answers.push(`${name} ${method}: ${answer.status} ${errorCode(answer)}`);
          if (message) expect(answer.json.errors[0].message).toContain(message);
        }
      }
      expect(answers).toEqual(invalid.flatMap(([name]) => [`${name} POST: 400 BAD_REQUEST`, `${name} PUT: 400 BAD_REQUEST`]));
      expect((await call('POST', '/system/gc/schedule', { rawBody: '{"schedule":' })).status).toBe(400);
      expect((await call('GET', '/system/gc/schedule')).json).toEqual(before);
      expect((await scheduler())?.pattern).toBe('0 0 0 * * 0');
      expect(await gcExecutionCount()).toBe(0);
    });
  });

  describe('manual runs', () => {
    afterEach(stopActive);

    it('Manual launches a collection (201 + Location), visible in the history; a second one while it is pending is 409', async () => {
      const id = await launchManual({ delete_untagged: true, workers: 2 });
      expect((await gcEntries()).at(-1)).toMatchObject({ operation: 'create', resourceType: 'gc', resource: `execution ${id}` });

      const one = await call('GET', `/system/gc/${id}`);
      expect(one.status).toBe(200);
      expect(one.json).toMatchObject({
        id,
        job_name: 'GARBAGE_COLLECTION',
        job_kind: 'MANUAL',
        job_status: expect.stringMatching(/^(Pending|Running)$/),
        schedule: null,
        deleted: false,
        creation_time: expect.any(String),
        update_time: expect.any(String),
        end_time: null,
      });
      expect(JSON.parse(one.json.job_parameters)).toEqual({ delete_untagged: true, dry_run: false, workers: 2 });

      const list = await call('GET', '/system/gc');
      expect(list.status).toBe(200);
      expect(list.json.map((h: { id: number }) => h.id)).toContain(id);
      expect(list.json.find((h: { id: number }) => h.id === id)).toEqual(one.json);

      const count = await gcExecutionCount();
      const second = await call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' } } });
      expect(second.status).toBe(409);
      expect(second.json).toEqual({ errors: [{ code: 'CONFLICT', message: expect.stringContaining(String(id)) }] });
      expect(await gcExecutionCount()).toBe(count);
      // PUT with Manual runs one too (Harbor's PUT and POST both take every type): refused the same way
      expect((await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'Manual' } } })).status).toBe(409);
    });

    it('PUT /system/gc/{id} stops a pending run at once; stopping it again is a no-op', async () => {
      const id = await launchManual();
      const stopped = await call('PUT', `/system/gc/${id}`);
      expect(stopped.status).toBe(200);
      const after = (await call('GET', `/system/gc/${id}`)).json;
      expect(after.job_status).toBe('Stopped');
      expect(after.end_time).toEqual(expect.any(String));
      expect((await gcEntries()).at(-1)).toMatchObject({ operation: 'update', resource: `execution ${id}` });

      const entries = (await gcEntries()).length;
      expect((await call('PUT', `/system/gc/${id}`)).status).toBe(200);
      expect((await call('GET', `/system/gc/${id}`)).json.job_status).toBe('Stopped');
      expect(await gcEntries()).toHaveLength(entries);
      // the next run may start
      await launchManual();
    });

    it('GET /system/gc/{id}/log answers the run\'s log as text', async () => {
      const id = await launchManual();
      const empty = await call('GET', `/system/gc/${id}/log`);
      expect(empty.status).toBe(200);
      expect(empty.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(empty.text).toBe('');

      const executions = api.app.get(ExecutionService);
      const [task] = await executions.tasks(id);
      await executions.log(task.id, 'marking 3 blobs');
      await executions.log(task.id, 'swept 2 blobs, 1234 bytes');
      const log = await call('GET', `/system/gc/${id}/log`);
      expect(log.status).toBe(200);
      expect(log.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(log.text.split('\n')).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT\S+Z marking 3 blobs$/), expect.stringMatching(/ swept 2 blobs, 1234 bytes$/), '']);
    });

    it('answers 404 for unknown runs and executions of other kinds, 400 for an id that is not a number', async () => {
      const other = await api.app.get(ExecutionService).create({ vendorType: 'REPLICATION', tasks: [{}] });
      for (const id of [999999, other.executionId]) {
        for (const [method, path] of [
          ['GET', `/system/gc/${id}`],
          ['GET', `/system/gc/${id}/log`],
          ['PUT', `/system/gc/${id}`],
        ]) {
          const answer = await call(method, path);
          expect(`${method} ${path}: ${answer.status} ${errorCode(answer)}`).toBe(`${method} ${path}: 404 NOT_FOUND`);
        }
      }
      // not stopped by the 404 PUT
      expect((await api.app.get(ExecutionService).get(other.executionId))?.status).toBe('Running');
      for (const path of ['/system/gc/abc', '/system/gc/0', '/system/gc/-1', '/system/gc/1.5', '/system/gc/abc/log']) {
        const answer = await call('GET', path);
        expect(`${path}: ${answer.status} ${errorCode(answer)}`).toBe(`${path}: 400 BAD_REQUEST`);
      }
      expect((await call('PUT', '/system/gc/abc')).status).toBe(400);
    });

    it('lists the history newest first, paginated with X-Total-Count and Link', async () => {
      await stopActive();
      for (let i = 0; i < 3; i += 1) {
        await launchManual({ workers: i + 1 });
        await stopActive();
      }
      const all = await call('GET', '/system/gc?page_size=100');
      const total = Number(all.headers.get('x-total-count'));
      expect(total).toBe(await gcExecutionCount());
      expect(total).toBeGreaterThanOrEqual(5);
      const ids = all.json.map((h: { id: number }) => h.id);
      expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a));
      expect(all.json.slice(0, 3).map((h: { job_parameters: string }) => JSON.parse(h.job_parameters).workers)).toEqual([3, 2, 1]);
      expect(all.json.every((h: { job_name: string }) => h.job_name === 'GARBAGE_COLLECTION')).toBe(true);

      const first = await call('GET', '/system/gc?page=1&page_size=2');
      expect(first.status).toBe(200);
      expect(first.headers.get('x-total-count')).toBe(String(total));
      expect(first.json.map((h: { id: number }) => h.id)).toEqual(ids.slice(0, 2));
      expect(first.headers.get('link')).toBe('</api/v2.0/system/gc?page=2&page_size=2>; rel="next"');

      const second = await call('GET', '/system/gc?page=2&page_size=2');
      expect(second.json.map((h: { id: number }) => h.id)).toEqual(ids.slice(2, 4));
      expect(second.headers.get('link')).toContain('</api/v2.0/system/gc?page=1&page_size=2>; rel="prev"');

      const beyond = await call('GET', `/system/gc?page=${total + 1}&page_size=1`);
      expect(beyond.json).toEqual([]);
      expect((await call('GET', '/system/gc?page_size=101')).status).toBe(400);
      expect((await call('GET', '/system/gc?page=0')).status).toBe(400);
    });
  });

  describe('scheduled runs', () => {
    afterEach(stopActive);

    it('a schedule tick launches a run with trigger SCHEDULE, and is skipped (not failed) while one is pending', async () => {
      await stopActive();
      expect((await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '0 15 3 * * *' }, parameters: { dry_run: true } } })).status).toBe(200);
      const processor = new GcScheduleProcessor(api.app.get(GcLauncher));

      const first = (await processor.tick({ deleteUntagged: false, dryRun: true, workers: 1 })) as { executionId: number };
      expect(first.executionId).toEqual(expect.any(Number));
      const run = (await call('GET', `/system/gc/${first.executionId}`)).json;
      expect(run).toMatchObject({ id: first.executionId, job_kind: 'SCHEDULE', schedule: { type: 'Custom', cron: '0 15 3 * * *' }, job_status: expect.stringMatching(/^(Pending|Running)$/) });
      expect(JSON.parse(run.job_parameters)).toEqual({ delete_untagged: false, dry_run: true, workers: 1 });

      const count = await gcExecutionCount();
      await expect(processor.tick({ deleteUntagged: false, dryRun: true, workers: 1 })).resolves.toEqual({ skippedFor: first.executionId });
      expect(await gcExecutionCount()).toBe(count);
      // a manual run is refused while the scheduled one is pending
      expect((await call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' } } })).status).toBe(409);
      await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'None' } } });
    });

    it('syncAll re-creates job schedulers from the table and removes ones whose row is gone', async () => {
      expect((await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '0 45 4 * * 1' } } })).status).toBe(200);
      // Redis lost the scheduler (flushed, restored from an old snapshot); a deleted schedule's scheduler survived
      await maintenance.removeJobScheduler(SCHEDULER_ID);
      await maintenance.upsertJobScheduler('schedule-GHOST', { pattern: '0 0 0 * * *', tz: 'UTC' }, { name: JobName.ScheduledGarbageCollection, data: {} });
      await maintenance.upsertJobScheduler('unrelated', { every: HOUR }, { name: JobName.ExecutionWatchdog, data: {} });
      expect(await scheduler()).toBeUndefined();

      await expect(api.app.get(ScheduleService).syncAll()).resolves.toEqual({ restored: 1, removed: 1 });
      const keys = (await maintenance.getJobSchedulers(0, -1)).map((s) => s.key).sort();
      expect(keys).toEqual([SCHEDULER_ID, 'unrelated'].sort());
      expect(await scheduler()).toMatchObject({ pattern: '0 45 4 * * 1', tz: 'UTC', template: { data: { deleteUntagged: false, dryRun: false, workers: 1 } } });

      // idempotent
      await expect(api.app.get(ScheduleService).syncAll()).resolves.toEqual({ restored: 1, removed: 0 });
      await maintenance.removeJobScheduler('unrelated');
      await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'None' } } });
    });

    it('the worker restores the schedule at start and runs a queued tick (the collection itself is not awaited)', async () => {
      await stopActive();
      expect((await call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Weekly' }, parameters: { workers: 4 } } })).status).toBe(201);
      await maintenance.removeJobScheduler(SCHEDULER_ID);
      expect(await scheduler()).toBeUndefined();
      const before = (await db.query<{ id: string }>(`SELECT COALESCE(max(id), 0) AS id FROM execution`)).rows[0].id;

      const spawned = spawnWorker(environment);
      const worker = spawned.process;
      try {
        const deadline = Date.now() + 30_000;
        while (!(await scheduler()) && Date.now() < deadline && worker.exitCode === null) await new Promise((r) => setTimeout(r, 200));
        expect({ scheduler: await scheduler(), exitCode: worker.exitCode }).toMatchObject({ scheduler: { pattern: '0 0 0 * * 0', template: { data: { workers: 4 } } }, exitCode: null });

        // what the scheduler queues at a tick
        await api.app.get(JobQueues).enqueue({ name: JobName.ScheduledGarbageCollection, data: { deleteUntagged: false, dryRun: true, workers: 4 } });
        let launched: { id: string; trigger: string; extra_attrs: unknown } | undefined;
        while (!launched && Date.now() < deadline + 30_000) {
          launched = (await db.query(`SELECT id, trigger, extra_attrs FROM execution WHERE vendor_type = $1 AND id > $2`, [GC_VENDOR_TYPE, before])).rows[0];
          if (!launched) await new Promise((r) => setTimeout(r, 200));
        }
        expect(launched).toMatchObject({ trigger: 'SCHEDULE', extra_attrs: { delete_untagged: false, dry_run: true, workers: 4 } });
      } finally {
        await spawned.kill();
      }
      expect(spawned.output()).not.toMatch(/failed to start/);
    });

    it('fires once per tick with two workers side by side, and each tick runs a real (dry) collection or is skipped', async () => {
      await stopActive();
      const firstTick = (await db.query<{ id: string }>(`SELECT COALESCE(max(id), 0) AS id FROM execution`)).rows[0].id;
      const workers = [await startWorker(environment), await startWorker(environment)];
      const started = Date.now();
      try {
        expect((await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '* * * * * *' }, parameters: { dry_run: true } } })).status).toBe(200);
        await new Promise((r) => setTimeout(r, 4500));
        expect((await call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'None' } } })).status).toBe(200);
      } finally {
        await Promise.all(workers.map((w) => w.close()));
      }
      const seconds = Math.ceil((Date.now() - started) / 1000);
      const ticks = (await maintenance.getJobs(['completed', 'failed'])).filter((job) => job.name === JobName.ScheduledGarbageCollection && job.timestamp >= started);
      // one job per tick, however many workers: never more than the seconds that passed
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(seconds + 1);
      expect(new Set(ticks.map((job) => job.id)).size).toBe(ticks.length);
      expect(ticks.every((job) => !job.failedReason)).toBe(true);
      const runs = (await db.query(`SELECT status FROM execution WHERE vendor_type = $1 AND trigger = 'SCHEDULE' AND id > $2`, [GC_VENDOR_TYPE, firstTick])).rows;
      expect(runs.length).toBeGreaterThanOrEqual(1);
      expect(runs.length).toBeLessThanOrEqual(ticks.length);
    });
  });
});
