/**
 * A collection whose queued job is over while its task is not (the job failed before the
 * handler's first transition, or completed without ending the task) ends as Error, so the next
 * collection is not refused with 409 forever; and job ids never collide with the jobs an older
 * install left in the same Redis (a database recreated or restored from backup).
 */
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '@wharf/config';
import { DbModule } from '@wharf/db';
import { GcLauncher } from '@wharf/gc';
import { JobQueues, JobsModule, QueueName, bullOptions } from '@wharf/jobs';
import { Worker } from 'bullmq';
import { Client } from 'pg';
import { ExecutionWatchdogProcessor } from '../../apps/worker/src/execution-watchdog.processor';
import { eventually } from '../support/eventually';
import { TEST_ADMIN } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { readExecution, startWorker, waitForExecutionEnd } from '../support/worker-context';

describe('a collection whose job is over', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let watchdogContext: INestApplicationContext;
  let watchdog: ExecutionWatchdogProcessor;
  let queues: JobQueues;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { GC_TIME_WINDOW_HOURS: '0' });
    api = await startApi(environment);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    // the watchdog alone: no BullMQ consumer, so the jobs are taken only by the workers each test starts
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(environment.config), DbModule, JobsModule],
      providers: [ExecutionWatchdogProcessor],
    }).compile();
    watchdogContext = await moduleRef.init();
    watchdog = watchdogContext.get(ExecutionWatchdogProcessor);
    queues = watchdogContext.get(JobQueues);
  });

  afterAll(async () => {
    await watchdogContext?.close();
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  /** POST a Manual collection; the HTTP status and, on 201, the execution id. */
  async function launch(): Promise<{ status: number; executionId: number }> {
    const answer = await fetch(`${api.url}/api/v2.0/system/gc/schedule`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${TEST_ADMIN.username}:${TEST_ADMIN.password}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ schedule: { type: 'Manual' }, parameters: { delete_untagged: false, dry_run: false, workers: 1 } }),
    });
    return { status: answer.status, executionId: Number(answer.headers.get('location')?.split('/').pop()) };
  }

  async function jobOf(executionId: number): Promise<string> {
    const { rows } = await db.query<{ job_id: string }>(`SELECT job_id FROM task WHERE execution_id = $1`, [executionId]);
    return rows[0].job_id.split(':')[1];
  }

  /** Runs the collection's job with `handler` instead of the collector, until BullMQ is done with it. */
  async function runJobWith(executionId: number, handler: () => Promise<unknown>, finalState: 'completed' | 'failed'): Promise<void> {
    const fake = new Worker(QueueName.GarbageCollection, handler, bullOptions(environment.config));
    try {
      const jobId = await jobOf(executionId);
      // three attempts with a 5 s then 10 s backoff
      await eventually(async () => (await (await queues.queue(QueueName.GarbageCollection).getJob(jobId))?.getState()) === finalState, 90_000);
    } finally {
      await fake.close();
    }
  }

  it('ends as Error when the job failed before its first transition, and the next collection runs', async () => {
    const failed = await launch();
    expect(failed.status).toBe(201);
    await runJobWith(failed.executionId, async () => {
      throw new TypeError('payload.taskId is undefined');
    }, 'failed');
    expect((await readExecution(db, failed.executionId)).task_status).toBe('Pending');

    expect(await watchdog.check()).toEqual({ stale: 0, lost: 1 });
    expect(await readExecution(db, failed.executionId)).toMatchObject({
      status: 'Error', task_status: 'Error', task_message: 'the job failed: TypeError: payload.taskId is undefined',
    });

    // a job that completed without ending its task ends it as Error too
    const silent = await launch();
    expect(silent.status).toBe(201);
    await runJobWith(silent.executionId, async () => null, 'completed');
    expect(await watchdog.check()).toEqual({ stale: 0, lost: 1 });
    expect(await readExecution(db, silent.executionId)).toMatchObject({
      status: 'Error', task_status: 'Error', task_message: 'the job completed without finishing the task',
    });

    const next = await launch();
    expect(next.status).toBe(201);
    const worker = await startWorker(environment);
    try {
      expect(await waitForExecutionEnd(db, next.executionId, 60_000)).toMatchObject({ status: 'Success', task_status: 'Success' });
    } finally {
      await worker.close();
    }
    // nothing else to end: a finished run and an open one whose job is running are left alone
    expect(await watchdog.check()).toEqual({ stale: 0, lost: 0 });
  });

});

describe('job ids across database lifetimes', () => {
  it('a new database beside a Redis holding an older install\'s completed collection of the same execution id runs its own', async () => {
    const options = { deleteUntagged: false, dryRun: false, workers: 1 };
    const older = await createTestEnvironment('filesystem', { GC_TIME_WINDOW_HOURS: '0' });
    // same Redis and prefix, a fresh database (recreated, or restored from a backup)
    const recreated = await createTestEnvironment('filesystem', { GC_TIME_WINDOW_HOURS: '0', REDIS_PREFIX: older.env.REDIS_PREFIX });
    const olderDb = new Client({ connectionString: older.config.DATABASE_URL });
    const recreatedDb = new Client({ connectionString: recreated.config.DATABASE_URL });
    await olderDb.connect();
    await recreatedDb.connect();
    try {
      const olderWorker = await startWorker(older);
      let olderRun: number;
      try {
        olderRun = await olderWorker.get(GcLauncher).launch(options, 'MANUAL');
        expect(await waitForExecutionEnd(olderDb, olderRun, 60_000)).toMatchObject({ task_status: 'Success' });
      } finally {
        await olderWorker.close();
      }

      await recreatedDb.query(`SELECT setval('execution_id_seq', $1, false)`, [olderRun]);
      const worker = await startWorker(recreated);
      try {
        const executionId = await worker.get(GcLauncher).launch(options, 'MANUAL');
        expect(executionId).toBe(olderRun);
        expect(await waitForExecutionEnd(recreatedDb, executionId, 60_000)).toMatchObject({ status: 'Success', task_status: 'Success' });
      } finally {
        await worker.close();
      }
    } finally {
      await olderDb.end();
      await recreatedDb.end();
      await older.close();
      await recreated.close();
    }
  });
});
