/**
 * The tag retention scenario (issue 17): 100,000 tags on 100,000 artifacts in 1,000 repositories
 * of one project, seeded straight into the bench's database (artifact, tag, blob and
 * artifact_blob rows as a push writes them; no bytes in storage: retention never reads them),
 * then one policy run by a worker process the bench starts: a dry run (every tag judged, nothing
 * removed) and the real run (`latestPushedK` keeps 90 of each repository's 100 `v*` artifacts,
 * so 10,000 deep deletes through the artifact commands). Measures each run from the API call to
 * the execution's end and the worker's peak RSS; checks the database afterwards.
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
import { ADMIN_PASSWORD } from '../targets/wharf';

export const RETENTION_SCENARIO_ID = 'retention';
export const RETENTION_GOALS = { runSeconds: 60 } as const;

const WORKER_ENTRY = join(BUILD_ROOT, 'apps', 'worker', 'src', 'main.js');
const PROJECT = 'retbench';
const REPOSITORIES = 1_000;
const PER_REPOSITORY = 100;
const KEEP = 90;
const RUN_TIMEOUT_MS = 10 * 60_000;

export interface RetentionBenchInput {
  target: Target;
  databaseUrl: string;
  /** the api's env (database, Redis, storage), given to the worker too */
  env: Record<string, string>;
  cleanup: Cleanup;
}

export interface RetentionRunFigures {
  seconds: number;
  workerPeakMB: number;
  tasks: number;
  deleted: number;
}

export interface RetentionMeasurement {
  repositories: number;
  tags: number;
  seedSeconds: number;
  workerIdleMB: number;
  dryRun: RetentionRunFigures;
  run: RetentionRunFigures;
  artifactsLeft: number;
  goals: typeof RETENTION_GOALS;
}

const adminBasic = () => `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

async function api(baseUrl: string, method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(new URL(`/api/v2.0${path}`, baseUrl), {
    method,
    headers: { authorization: adminBasic(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** One statement per table, with generate_series: the rows a push of each image would have written. */
async function seed(db: Client, projectId: number): Promise<void> {
  await db.query(
    `INSERT INTO repository (project_id, name) SELECT $1, $2 || '/repo-' || lpad(r::text, 4, '0') FROM generate_series(1, $3) r`,
    [projectId, PROJECT, REPOSITORIES],
  );
  await db.query(
    `INSERT INTO blob (digest, content_type, size)
     SELECT 'sha256:' || encode(sha256(('retbench-' || r || '-' || i)::bytea), 'hex'), 'application/vnd.oci.image.manifest.v1+json', 400
       FROM generate_series(1, $1) r, generate_series(1, $2) i`,
    [REPOSITORIES, PER_REPOSITORY],
  );
  // artifact i of a repository was pushed i hours after the first: the newest are the highest i
  await db.query(
    `INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, size, manifest, push_time)
     SELECT $1, rp.repository_id, rp.name, 'sha256:' || encode(sha256(('retbench-' || r || '-' || i)::bytea), 'hex'),
            'application/vnd.oci.image.manifest.v1+json', 400, '{}'::bytea, now() - interval '30 days' + make_interval(hours => i)
       FROM generate_series(1, $2) r
       JOIN repository rp ON rp.name = $4 || '/repo-' || lpad(r::text, 4, '0')
      CROSS JOIN generate_series(1, $3) i`,
    [projectId, REPOSITORIES, PER_REPOSITORY, PROJECT],
  );
  await db.query(
    `INSERT INTO tag (repository_id, artifact_id, name, push_time)
     SELECT a.repository_id, a.id, 'v' || row_number() OVER (PARTITION BY a.repository_id ORDER BY a.push_time), a.push_time FROM artifact a WHERE a.project_id = $1`,
    [projectId],
  );
  await db.query(`INSERT INTO artifact_blob (digest_af, digest_blob) SELECT digest, digest FROM artifact WHERE project_id = $1`, [projectId]);
  await db.query(`INSERT INTO project_blob (project_id, blob_id) SELECT $1, id FROM blob WHERE digest IN (SELECT digest FROM artifact WHERE project_id = $1)`, [projectId]);
  await db.query(`UPDATE project SET storage_used = (SELECT count(*) * 400 FROM artifact WHERE project_id = $1) WHERE project_id = $1`, [projectId]);
  await db.query(`ANALYZE repository; ANALYZE artifact; ANALYZE tag; ANALYZE artifact_blob; ANALYZE blob; ANALYZE project_blob`);
}

async function waitForEnd(db: Client, executionId: number): Promise<string> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const { rows } = await db.query<{ status: string; open: number }>(
      `SELECT e.status, (SELECT count(*)::int FROM task t WHERE t.execution_id = e.id AND t.status IN ('Pending', 'Running')) AS open FROM execution e WHERE e.id = $1`,
      [executionId],
    );
    if (rows[0] && rows[0].status !== 'Running' && rows[0].open === 0) return rows[0].status;
    if (Date.now() > deadline) throw new Error(`retention execution ${executionId} still running after ${RUN_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
}

async function timedRun(baseUrl: string, db: Client, worker: ManagedProcess, policyId: number, dryRun: boolean): Promise<RetentionRunFigures> {
  const measured = await peakRssDuring(worker.pid, async () => {
    const started = performance.now();
    const response = await api(baseUrl, 'POST', `/retentions/${policyId}/executions`, { dry_run: dryRun });
    const executionId = Number(response.headers.get('location')!.split('/').pop());
    const status = await waitForEnd(db, executionId);
    const seconds = (performance.now() - started) / 1000;
    if (status !== 'Success') throw new Error(`retention ${dryRun ? 'dry run' : 'run'} ended ${status}; worker: ${worker.output(20)}`);
    const [figures] = (
      await db.query<{ tasks: number; deleted: number }>(
        `SELECT count(*)::int AS tasks, COALESCE(sum((progress->>'deleted')::int), 0)::int AS deleted FROM task WHERE execution_id = $1`,
        [executionId],
      )
    ).rows;
    return { seconds, ...figures };
  });
  return { ...measured.result, workerPeakMB: measured.peakBytes / 1e6 };
}

export async function runRetentionBench(input: RetentionBenchInput, log: (line: string) => void): Promise<RetentionMeasurement> {
  const db = new Client({ connectionString: input.databaseUrl });
  await db.connect();
  let worker: ManagedProcess | undefined;
  try {
    const created = await api(input.target.baseUrl, 'POST', '/projects', { project_name: PROJECT });
    const projectId = Number(created.headers.get('location')!.split('/').pop());
    const seedStarted = performance.now();
    await seed(db, projectId);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    log(`seeded ${REPOSITORIES} repositories x ${PER_REPOSITORY} tagged artifacts in ${seedSeconds.toFixed(1)} s`);

    worker = ManagedProcess.start('Wharf worker (retention)', process.execPath, [WORKER_ENTRY], { ...process.env, ...input.env }, input.cleanup);
    await sleep(3_000);
    worker.assertAlive();
    const workerIdleMB = procStatusBytes(worker.pid, 'VmRSS') / 1e6;

    const policy = await api(input.target.baseUrl, 'POST', '/retentions', {
      algorithm: 'or',
      rules: [
        {
          action: 'retain',
          template: 'latestPushedK',
          params: { latestPushedK: KEEP },
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
        },
      ],
      trigger: { kind: 'Schedule', settings: {} },
      scope: { level: 'project', ref: projectId },
    });
    const policyId = Number(policy.headers.get('location')!.split('/').pop());

    const dryRun = await timedRun(input.target.baseUrl, db, worker, policyId, true);
    log(`dry run: ${dryRun.seconds.toFixed(1)} s, ${dryRun.tasks} tasks, ${dryRun.deleted} deletions planned, worker peak ${dryRun.workerPeakMB.toFixed(0)} MB`);
    const run = await timedRun(input.target.baseUrl, db, worker, policyId, false);
    log(`run: ${run.seconds.toFixed(1)} s, ${run.tasks} tasks, ${run.deleted} deleted, worker peak ${run.workerPeakMB.toFixed(0)} MB`);

    const [{ left }] = (await db.query<{ left: number }>(`SELECT count(*)::int AS left FROM artifact WHERE project_id = $1`, [projectId])).rows;
    if (left !== REPOSITORIES * KEEP) throw new Error(`expected ${REPOSITORIES * KEEP} artifacts left, found ${left}`);
    return { repositories: REPOSITORIES, tags: REPOSITORIES * PER_REPOSITORY, seedSeconds, workerIdleMB, dryRun, run, artifactsLeft: left, goals: RETENTION_GOALS };
  } finally {
    await worker?.stop();
    await db.end().catch(() => undefined);
  }
}

export function formatRetentionTable(m: RetentionMeasurement): string {
  const ok = (seconds: number) => (seconds < RETENTION_GOALS.runSeconds ? 'ok' : 'MISSED');
  return [
    `Tag retention: ${m.tags.toLocaleString('en')} tags in ${m.repositories.toLocaleString('en')} repositories (goal: a run < ${RETENTION_GOALS.runSeconds} s, bounded memory)`,
    `  dry run   ${m.dryRun.seconds.toFixed(1).padStart(6)} s  ${ok(m.dryRun.seconds)}  worker peak ${m.dryRun.workerPeakMB.toFixed(0)} MB (idle ${m.workerIdleMB.toFixed(0)} MB)`,
    `  real run  ${m.run.seconds.toFixed(1).padStart(6)} s  ${ok(m.run.seconds)}  worker peak ${m.run.workerPeakMB.toFixed(0)} MB, ${m.run.deleted.toLocaleString('en')} artifacts deleted`,
  ].join('\n');
}
