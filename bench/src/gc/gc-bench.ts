/**
 * The GC scenario (issue 4): 100,000 unreferenced blobs and 20,000 tagged artifacts seeded
 * straight into the bench's database and Wharf's storage, then one garbage collection run by
 * a worker process the bench starts, while image pushes go on. Measures time to mark, time to
 * sweep, the whole run, the worker's peak RSS, and push throughput during the run against the
 * same load without GC; then checks that every unreferenced blob went and every referenced one
 * stayed (a referenced blob deleted fails the bench).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { Cleanup } from '../cleanup';
import { peakRssDuring, procStatusBytes } from '../memory';
import { BUILD_ROOT } from '../paths';
import { ManagedProcess } from '../targets/managed-process';
import type { Target } from '../targets/target';
import { cpuBetween, cpuSnapshot } from './cpu-usage';
import { openObjectStore, type ObjectStore } from './object-store';
import { PUSH_REPOSITORY, pushLoad, type PushLoadResult } from './push-load';
import { seedGcData, type SeedResult, type SeededBlob } from './seed';

export const GC_SCENARIO_ID = 'gc';

export const WORKER_ENTRY = join(BUILD_ROOT, 'apps', 'worker', 'src', 'main.js');
/** the api's admin password in the bench (targets/wharf.ts) and its token service */
const ADMIN_PASSWORD = 'wharf-bench-admin';
const TOKEN_SERVICE = 'wharf-registry';
const PUSH_CONNECTIONS = 8;
const SLICE_SECONDS = 3;
const BASELINE_SLICES = 7;
const GC_TIMEOUT_MS = 15 * 60_000;
const SAMPLE = 2_000;
const CPU_COMMANDS = ['postgres', 'radosgw', 'ceph-osd', 'redis-server'];

export const GC_GOALS = { totalSeconds: 120, workerPeakMB: 300, pushRatio: 0.9 } as const;

export interface GcBenchInput {
  target: Target;
  databaseUrl: string;
  /** the api's env (database, Redis, storage), given to the worker too */
  env: Record<string, string>;
  storageKind: string;
  seedSeconds: number;
  /** the run's `workers` parameter (parallel storage batches) */
  gcWorkers: number;
  cleanup: Cleanup;
}

export interface GcMeasurement {
  storage: string;
  seed: Omit<SeedResult, 'unreferenced' | 'referenced'> & { unreferencedBlobs: number; unreferencedWithObject: number; referencedBlobs: number };
  baseline: PushLoadResult;
  duringGc: PushLoadResult;
  pushRatio: number;
  /** schedule request to Success, as the client sees it */
  totalSeconds: number;
  /** task start (its 'starting' log line) to its 'marked N' line */
  markSeconds: number;
  /** 'marked N' line to the last 'deleted …' line */
  sweepSeconds: number;
  /** last 'deleted …' line to 'done' (upload purge, bookkeeping) */
  tailSeconds: number;
  /** schedule request to the task's 'starting' line (queue pick-up) */
  queueSeconds: number;
  workerPeakMB: number;
  workerIdleMB: number;
  progress: Record<string, unknown>;
  /** the run's own account of its pacing (its 'storage deletes: …' log line): requests, back-offs, the pushes' level and slow-downs */
  pacing: string | null;
  verification: { danglingReferences: number; pushedObjectsChecked: number; pushedObjectsMissing: number; unreferencedRowsLeft: number; unreferencedObjectsChecked: number; unreferencedObjectsLeft: number; referencedRowsMissing: number; referencedObjectsChecked: number; referencedObjectsMissing: number; artifactsLeft: number };
  /** CPU seconds by process group during the baseline load and during the GC window (rest: the other processes of the machine) */
  cpu: { baseline: Record<string, number>; duringGc: Record<string, number> };
  workerOutput?: string;
}

export async function runGcBench(input: GcBenchInput, log: (line: string) => void): Promise<GcMeasurement> {
  const { target } = input;
  if (target.monolithic !== 'single POST') throw new Error(`the GC push load needs single-POST monolithic uploads, Wharf answered ${target.monolithic}`);
  const db = new Client({ connectionString: input.databaseUrl });
  await db.connect();
  const store = await openObjectStore(input.env);
  let worker: ManagedProcess | undefined;
  try {
    const seed = await seedGcData(db, store, input.seedSeconds, log);

    const gcWorker = ManagedProcess.start('Wharf worker', process.execPath, [WORKER_ENTRY], { ...process.env, ...input.env, GC_TIME_WINDOW_HOURS: '0' }, input.cleanup);
    worker = gcWorker;
    await sleep(3000); // Nest start-up; a GC scheduled earlier just waits in the queue
    worker.assertAlive();
    const workerIdleMB = procStatusBytes(worker.pid, 'VmRSS') / 1e6;

    const authorization = `Bearer ${await pushToken(target.baseUrl)}`;
    const cpuGroups = { api: target.process.pid, worker: worker.pid, 'bench (load)': process.pid };
    const cpuBefore = cpuSnapshot(cpuGroups, CPU_COMMANDS);
    log(`push load without GC: ${PUSH_CONNECTIONS} connections, ${BASELINE_SLICES} x ${SLICE_SECONDS} s`);
    const baseline = await pushLoad(target.baseUrl, authorization, PUSH_CONNECTIONS, SLICE_SECONDS, (slices) => slices < BASELINE_SLICES);
    log(`  ${baseline.pushesPerSecond.toFixed(1)} pushes/s (${baseline.pushes} in ${baseline.seconds.toFixed(1)} s, ${baseline.failures} failures)`);
    const cpuBaseline = cpuBetween(cpuBefore, cpuSnapshot(cpuGroups, CPU_COMMANDS));
    await sleep(1000);

    let gcDone = false;
    const cpuGcBefore = cpuSnapshot(cpuGroups, CPU_COMMANDS);
    const started = performance.now();
    const gc = peakRssDuring(worker.pid, async () => {
      const scheduledAtWall = Date.now();
      const executionId = await scheduleGc(target.baseUrl, input.gcWorkers);
      log(`GC execution ${executionId} scheduled; push load running alongside`);
      try {
        return { executionId, scheduledAtWall, status: await waitForGc(db, executionId, gcWorker) };
      } finally {
        gcDone = true;
      }
    });
    const [gcOutcome, duringGc] = await Promise.all([gc, pushLoad(target.baseUrl, authorization, PUSH_CONNECTIONS, SLICE_SECONDS, () => !gcDone)]);
    const cpuDuringGc = cpuBetween(cpuGcBefore, cpuSnapshot(cpuGroups, CPU_COMMANDS));
    const totalSeconds = gcOutcome.result.status.endedAt - started;
    const { executionId } = gcOutcome.result;
    const task = gcOutcome.result.status;
    if (task.status !== 'Success') throw new Error(`GC ended ${task.status}: ${task.message}\nworker: ${worker.output(20)}`);
    log(`GC done in ${(totalSeconds / 1000).toFixed(1)} s; pushes during it ${duringGc.pushesPerSecond.toFixed(1)}/s (${duringGc.failures} failures)`);

    const { startedAtWall, ...phases } = await phaseTimes(db, executionId);
    const verification = await verify(db, store, seed);
    const measurement: GcMeasurement = {
      storage: input.storageKind,
      seed: {
        artifacts: seed.artifacts,
        rowSeconds: seed.rowSeconds,
        objectSeconds: seed.objectSeconds,
        objectsWritten: seed.objectsWritten,
        putsPerSecond: seed.putsPerSecond,
        unreferencedBlobs: seed.unreferenced.length,
        unreferencedWithObject: seed.unreferenced.filter((b) => b.hasObject).length,
        referencedBlobs: seed.referenced.length,
      },
      baseline,
      duringGc,
      // no push finished without GC: there is nothing to compare with (NaN, reported as an error)
      pushRatio: baseline.pushesPerSecond > 0 ? duringGc.pushesPerSecond / baseline.pushesPerSecond : Number.NaN,
      totalSeconds: totalSeconds / 1000,
      ...phases,
      queueSeconds: (startedAtWall - gcOutcome.result.scheduledAtWall) / 1000,
      workerPeakMB: gcOutcome.peakBytes / 1e6,
      workerIdleMB,
      progress: task.progress,
      pacing: await pacingLine(db, executionId),
      verification,
      cpu: { baseline: cpuBaseline, duringGc: cpuDuringGc },
      workerOutput: worker.output(20) || undefined,
    };
    const v = verification;
    if (v.referencedRowsMissing > 0 || v.referencedObjectsMissing > 0 || v.artifactsLeft !== seed.artifacts || v.danglingReferences > 0 || v.pushedObjectsMissing > 0) {
      throw new GcIntegrityError(
        `GC DELETED REFERENCED DATA: ${v.referencedRowsMissing} referenced blob row(s) and ${v.referencedObjectsMissing} of ${v.referencedObjectsChecked} sampled ` +
          `referenced object(s) missing, ${v.artifactsLeft} of ${seed.artifacts} seeded artifacts left; ${v.danglingReferences} artifact_blob row(s) name a blob ` +
          `that is gone; ${v.pushedObjectsMissing} of ${v.pushedObjectsChecked} objects of images pushed during the run missing`,
        measurement,
      );
    }
    if (v.unreferencedRowsLeft > 0 || v.unreferencedObjectsLeft > 0) {
      throw new GcIntegrityError(
        `GC left garbage: ${v.unreferencedRowsLeft} unreferenced blob row(s), ${v.unreferencedObjectsLeft} of ${v.unreferencedObjectsChecked} sampled objects`,
        measurement,
      );
    }
    return measurement;
  } finally {
    // before the other scenarios run: a worker with a zero GC time window would collect their blobs
    await worker?.stop();
    store.close();
    await db.end().catch(() => undefined);
  }
}

/** A failed check after the GC: carries what was measured, so the report still shows it. */
export class GcIntegrityError extends Error {
  constructor(
    message: string,
    readonly measurement: GcMeasurement,
  ) {
    super(message);
  }
}

async function pushToken(baseUrl: string): Promise<string> {
  const url = new URL('/service/token', baseUrl);
  url.searchParams.set('service', TOKEN_SERVICE);
  url.searchParams.append('scope', `repository:${PUSH_REPOSITORY}:pull,push`);
  const response = await fetch(url, { headers: { authorization: adminBasic() } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /service/token: expected 200, got ${response.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { token: string }).token;
}

const adminBasic = (): string => `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

export async function scheduleGc(baseUrl: string, workers: number): Promise<number> {
  const response = await fetch(new URL('/api/v2.0/system/gc/schedule', baseUrl), {
    method: 'POST',
    headers: { authorization: adminBasic(), 'content-type': 'application/json' },
    body: JSON.stringify({ schedule: { type: 'Manual' }, parameters: { delete_untagged: false, dry_run: false, workers } }),
  });
  const text = await response.text();
  const location = response.headers.get('location') ?? '';
  const id = /\/api\/v2\.0\/system\/gc\/(\d+)$/.exec(location)?.[1];
  if (response.status !== 201 || !id) throw new Error(`POST /api/v2.0/system/gc/schedule: expected 201 with a Location, got ${response.status} ${location} ${text.slice(0, 300)}`);
  return Number(id);
}

interface GcEnd {
  status: string;
  message: string;
  progress: Record<string, unknown>;
  /** performance.now() when the end was seen */
  endedAt: number;
}

export async function waitForGc(db: Client, executionId: number, worker: ManagedProcess): Promise<GcEnd> {
  const deadline = performance.now() + GC_TIMEOUT_MS;
  for (;;) {
    const { rows } = await db.query<{ status: string; status_message: string; progress: Record<string, unknown> }>(
      `SELECT e.status, e.status_message, t.progress FROM execution e LEFT JOIN task t ON t.execution_id = e.id WHERE e.id = $1`,
      [executionId],
    );
    const row = rows[0];
    if (row && ['Success', 'Error', 'Stopped'].includes(row.status)) {
      return { status: row.status, message: row.status_message, progress: row.progress ?? {}, endedAt: performance.now() };
    }
    worker.assertAlive();
    if (performance.now() > deadline) throw new Error(`GC execution ${executionId} did not end within ${GC_TIMEOUT_MS / 60_000} minutes (${JSON.stringify(row)})`);
    await sleep(100);
  }
}

async function pacingLine(db: Client, executionId: number): Promise<string | null> {
  const { rows } = await db.query<{ line: string }>(
    `SELECT l.line FROM task_log l JOIN task t ON t.id = l.task_id WHERE t.execution_id = $1 AND l.line LIKE 'storage deletes:%' ORDER BY l.id DESC LIMIT 1`,
    [executionId],
  );
  return rows[0]?.line ?? null;
}

/** Phase boundaries from the task's log lines (database timestamps, so the worker's own clock). */
export async function phaseTimes(db: Client, executionId: number) {
  const { rows } = await db.query<{ started: Date | null; marked: Date | null; last_deleted: Date | null; done: Date | null }>(
    `SELECT min(l.log_time) FILTER (WHERE l.line LIKE 'starting:%') AS started,
            min(l.log_time) FILTER (WHERE l.line LIKE 'marked %') AS marked,
            max(l.log_time) FILTER (WHERE l.line LIKE 'deleted %' OR l.line LIKE 'could not delete %') AS last_deleted,
            min(l.log_time) FILTER (WHERE l.line LIKE 'done:%') AS done
       FROM task_log l JOIN task t ON t.id = l.task_id WHERE t.execution_id = $1`,
    [executionId],
  );
  const { started, marked, last_deleted: lastDeleted, done } = rows[0];
  if (!started || !marked || !done) throw new Error(`GC execution ${executionId}: missing log lines (starting ${started}, marked ${marked}, done ${done})`);
  const sweptAt = lastDeleted ?? marked;
  return {
    markSeconds: (marked.getTime() - started.getTime()) / 1000,
    sweepSeconds: (sweptAt.getTime() - marked.getTime()) / 1000,
    tailSeconds: (done.getTime() - sweptAt.getTime()) / 1000,
    // the database runs on this machine: its clock is the bench's
    startedAtWall: started.getTime(),
  };
}

async function verify(db: Client, store: ObjectStore, seed: SeedResult): Promise<GcMeasurement['verification']> {
  const count = async (digests: string[]) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM blob WHERE digest = ANY($1::varchar[])`, [digests])).rows[0].n;
  const unreferencedRowsLeft = await count(seed.unreferenced.map((b) => b.digest));
  const referencedRowsMissing = seed.referenced.length - (await count(seed.referenced.map((b) => b.digest)));
  const artifactsLeft = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM artifact WHERE repository_name LIKE 'library/gc-seed-%'`)).rows[0].n;
  const missingObjects = async (blobs: SeededBlob[]) => {
    let missing = 0;
    let present = 0;
    for (let i = 0; i < blobs.length; i += 32) {
      const found = await Promise.all(blobs.slice(i, i + 32).map((b) => store.exists(b.key)));
      present += found.filter(Boolean).length;
      missing += found.filter((f) => !f).length;
    }
    return { missing, present };
  };
  const unreferencedSample = sample(seed.unreferenced.filter((b) => b.hasObject), SAMPLE);
  const referencedSample = sample(seed.referenced.filter((b) => b.hasObject), SAMPLE);
  // everything any artifact references (the seeded ones and those the push load wrote) still has its row and, for the pushed ones, its object
  const danglingReferences = (
    await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM artifact_blob ab WHERE NOT EXISTS (SELECT 1 FROM blob b WHERE b.digest = ab.digest_blob)`)
  ).rows[0].n;
  const pushed = await db.query<{ digest: string }>(
    `SELECT DISTINCT ab.digest_blob AS digest FROM artifact a JOIN artifact_blob ab ON ab.digest_af = a.digest WHERE a.repository_name = $1`,
    [PUSH_REPOSITORY],
  );
  const pushedSample = sample(pushed.rows.map((r) => ({ digest: r.digest, key: keyOf(r.digest), hasObject: true })), SAMPLE);
  const pushedObjects = await missingObjects(pushedSample);
  const unreferencedObjects = await missingObjects(unreferencedSample);
  const referencedObjects = await missingObjects(referencedSample);
  return {
    danglingReferences,
    pushedObjectsChecked: pushedSample.length,
    pushedObjectsMissing: pushedObjects.missing,
    unreferencedRowsLeft,
    unreferencedObjectsChecked: unreferencedSample.length,
    unreferencedObjectsLeft: unreferencedObjects.present,
    referencedRowsMissing,
    referencedObjectsChecked: referencedSample.length,
    referencedObjectsMissing: referencedObjects.missing,
    artifactsLeft,
  };
}

const keyOf = (digest: string): string => {
  const hex = digest.slice('sha256:'.length);
  return `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
};

function sample<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]);
}
