import type { INestApplicationContext } from '@nestjs/common';
import { GcLauncher } from '@wharf/gc';
import { JobQueues, QueueName } from '@wharf/jobs';
import { blobKey, parseDigest } from '@wharf/registry-core';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { ExecutionWatchdogProcessor, STALE_TASK_SECONDS } from '../../apps/worker/src/execution-watchdog.processor';
import { RegistryClient, sha256 } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { readExecution, readTaskLog, spawnWorker, startWorker, waitForExecutionEnd } from '../support/worker-context';

const ORPHANS = 20_000;

describe('a garbage collection whose worker dies', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let client: RegistryClient;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { GC_TIME_WINDOW_HOURS: '0' });
    api = await startApi(environment);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    client = new RegistryClient(api.url);
  });

  /** The BullMQ id of an execution's job, as the launcher recorded it on the task (`<job name>:<id>`). */
  async function jobIdOf(executionId: number): Promise<string> {
    const { rows } = await db.query<{ job_id: string }>(`SELECT job_id FROM task WHERE execution_id = $1`, [executionId]);
    return rows[0].job_id.split(':')[1];
  }

  afterAll(async () => {
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  it('is resumed by another worker: nothing a client can see is half-deleted, and the run ends with everything collected', async () => {
    const kept = await client.pushImage('library/crash', 'kept', { layers: 3 });
    const digests: string[] = [];
    for (let i = 0; i < ORPHANS; i += 1) {
      const data = Buffer.from(`orphan ${i} ${randomBytes(6).toString('hex')}`);
      const path = join(environment.config.STORAGE_FS_ROOT, blobKey(parseDigest(sha256(data))));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data);
      digests.push(sha256(data));
    }
    await db.query(`INSERT INTO blob (digest, size) SELECT unnest($1::varchar[]), 30`, [digests]);

    const first = spawnWorker(environment);
    let executionId: number;
    try {
      const launched = await fetch(`${api.url}/api/v2.0/system/gc/schedule`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('admin:Wharf-Test-Admin-1').toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ schedule: { type: 'Manual' }, parameters: { delete_untagged: false, dry_run: false, workers: 1 } }),
      });
      expect(launched.status).toBe(201);
      executionId = Number(launched.headers.get('location')!.split('/').pop());
      for (;;) {
        const { progress } = await readExecution(db, executionId);
        if (Number(progress.blobs_deleted ?? 0) >= 3000) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await first.kill('SIGKILL');
    }

    // mid-run, dead: the run is still Running (not lost), the kept image is whole
    expect((await readExecution(db, executionId)).task_status).toBe('Running');
    for (const layer of kept.layers) expect((await client.fetch(`/v2/library/crash/blobs/${layer.digest}`)).status).toBe(200);
    const remaining = Number((await db.query(`SELECT count(*) AS n FROM blob WHERE digest = ANY($1)`, [digests])).rows[0].n);
    expect(remaining).toBeGreaterThan(0);

    // BullMQ hands the job to the next worker once the dead one's lock expires (about 30 s)
    const second = spawnWorker(environment);
    try {
      const execution = await waitForExecutionEnd(db, executionId, 180_000);
      expect(execution.task_status).toBe('Success');
      expect(execution.status).toBe('Success');
      const log = await readTaskLog(db, executionId);
      expect(log.some((line) => line.startsWith('resuming'))).toBe(true);
      // counters continued from the first worker's (a chunk finished just before the kill may go uncounted)
      expect(Number(execution.progress.blobs_deleted)).toBeGreaterThan(ORPHANS - 2000);
      expect(Number(execution.progress.blobs_deleted)).toBeLessThanOrEqual(ORPHANS);
    } finally {
      await second.kill();
    }
    expect(Number((await db.query(`SELECT count(*) AS n FROM blob WHERE digest = ANY($1)`, [digests])).rows[0].n)).toBe(0);
    expect(digests.slice(0, 50).some((d) => existsSync(join(environment.config.STORAGE_FS_ROOT, blobKey(parseDigest(d)))))).toBe(false);
    const manifest = await client.fetch('/v2/library/crash/manifests/kept', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(manifest.status).toBe(200);
    for (const layer of kept.layers) expect((await client.fetch(`/v2/library/crash/blobs/${layer.digest}`)).status).toBe(200);
  });

  describe('the watchdog', () => {
    let worker: INestApplicationContext;
    beforeAll(async () => {
      worker = await startWorker(environment);
    });
    afterAll(async () => {
      await worker?.close();
    });

    it('ends a run whose worker stopped reporting, and one whose queued job was lost', async () => {
      const queue = worker.get(JobQueues).queue(QueueName.GarbageCollection);
      await queue.pause();
      try {
        const lost = await worker.get(GcLauncher).launch({ deleteUntagged: false, dryRun: false, workers: 1 }, 'MANUAL');
        await queue.remove(await jobIdOf(lost));
        await db.query(`UPDATE task SET creation_time = now() - interval '5 minutes' WHERE execution_id = $1`, [lost]);
        const watchdog = worker.get(ExecutionWatchdogProcessor);
        expect(await watchdog.check()).toEqual({ stale: 0, lost: 1 });
        expect(await readExecution(db, lost)).toMatchObject({ status: 'Error', task_status: 'Error', task_message: 'the queued job was lost before a worker took it' });

        const silent = await worker.get(GcLauncher).launch({ deleteUntagged: false, dryRun: false, workers: 1 }, 'MANUAL');
        await db.query(`UPDATE task SET status = 'Running', update_time = now() - make_interval(secs => $2) WHERE execution_id = $1`, [silent, STALE_TASK_SECONDS + 5]);
        expect(await watchdog.check()).toEqual({ stale: 1, lost: 0 });
        expect(await readExecution(db, silent)).toMatchObject({ status: 'Error', task_status: 'Error' });
        await queue.remove(await jobIdOf(silent));
      } finally {
        await queue.resume();
      }
    });
  });
});
