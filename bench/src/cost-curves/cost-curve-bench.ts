/**
 * Cost curves (issue 19): how the cost of the common reads grows with the registry. One
 * repository seeded straight into the bench's database (and, for the manifests it reads, its
 * storage) up to each size in turn (1k, 100k, 1M artifacts by default), measuring at each:
 * manifest HEAD by tag (tags never asked before, so every one misses the manifest cache and
 * reaches Postgres) and the artifact list page the portal asks for; then the project list at
 * 100 and at 10,000 projects. The management API is read anonymously: `library` and the seeded
 * projects are public, so no request pays for a password hash (a browser session does not either).
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { Cleanup } from '../cleanup';
import { WORKER_ENTRY, phaseTimes, scheduleGc, waitForGc } from '../gc/gc-bench';
import { openObjectStore } from '../gc/object-store';
import { ManagedProcess } from '../targets/managed-process';
import { LatencyRecorder } from '../load/latency';
import { MANIFEST_ACCEPT } from '../registry-client';
import type { Target } from '../targets/target';
import { withSecondaryIndexesDeferred } from './deferred-indexes';
import { COST_REPOSITORY, blobKey, seedCostArtifacts, seedCostRepository, seededManifests } from './seed-artifacts';

export const COST_CURVES_SCENARIO_ID = 'cost-curves';

/** An artifact list page as Harbor's portal asks for it (its repository view). */
const PORTAL_LIST_QUERY = 'page_size=15&with_tag=true&with_label=true&with_scan_overview=true&with_signature=true&with_immutable_status=true&with_accessory=false';
const HEAD_SAMPLES = 300;
const LIST_SAMPLES = 200;
const LIST_PAGES = 10;
const PROJECT_LIST_SAMPLES = 200;
/** a load of at least this many rows drops and rebuilds the secondary indexes (deferred-indexes.ts) */
const DEFER_INDEXES_FROM = 200_000;
const BULK_TABLES = ['blob', 'project_blob', 'artifact', 'tag', 'artifact_blob'];

export interface CurvePoint {
  size: number;
  p50: number;
  p99: number;
  samples: number;
}

export interface GcMarkPoint {
  /** artifacts seeded */
  size: number;
  /** blob rows in the database when GC ran */
  blobs: number;
  markSeconds: number;
  /** mark time per blob row, microseconds */
  microsecondsPerBlob: number;
}

export interface CostCurves {
  sizes: number[];
  seedSeconds: Record<string, number>;
  manifestHead: CurvePoint[];
  artifactList: CurvePoint[];
  projectList: CurvePoint[];
  /** GC's mark phase (a manual run, workers=1) at each size: its time over every blob row */
  gcMark: GcMarkPoint[];
  /** what the listing answered as X-Total-Count at each size (must equal the size) */
  listTotals: number[];
  listQuery: string;
}

export interface CostCurveInput {
  target: Target;
  databaseUrl: string;
  /** the api's env: where its storage is */
  env: Record<string, string>;
  sizes: number[];
  projects: number;
  /** stops the GC worker the curves start */
  cleanup: Cleanup;
}

export async function runCostCurves(input: CostCurveInput, log: (line: string) => void): Promise<CostCurves> {
  const db = new Client({ connectionString: input.databaseUrl });
  await db.connect();
  const store = await openObjectStore(input.env);
  try {
    const result: CostCurves = { sizes: input.sizes, seedSeconds: {}, manifestHead: [], artifactList: [], projectList: [], gcMark: [], listTotals: [], listQuery: PORTAL_LIST_QUERY };
    let worker: ManagedProcess | undefined;
    const ids = await seedCostRepository(db);
    for (const blob of ids.pool) await store.put(blobKey(blob.digest), blob.data);
    let seeded = 0;
    for (const size of input.sizes) {
      const started = performance.now();
      const load = () => seedCostArtifacts(db, ids, seeded, size);
      if (size - seeded >= DEFER_INDEXES_FROM) await withSecondaryIndexesDeferred(db, BULK_TABLES, load);
      else await load();
      // autovacuum's work on a registry that has lived with this data: statistics and the visibility map
      for (const table of BULK_TABLES) await db.query(`VACUUM ANALYZE ${table}`);
      seeded = size;
      result.seedSeconds[size] = (performance.now() - started) / 1000;
      log(`seeded ${size.toLocaleString('en-US')} artifacts (${result.seedSeconds[size].toFixed(1)} s)`);

      // tags never asked for before: every HEAD misses the manifest cache and looks the tag up in Postgres
      const sample = [...new Set(Array.from({ length: HEAD_SAMPLES }, () => randomInt(1, size + 1)))];
      const manifests = await seededManifests(db, ids.repositoryId, sample);
      for (const manifest of manifests) await store.put(blobKey(manifest.digest), manifest.data);
      await input.target.renewAuthorization?.();
      result.manifestHead.push({ size, ...(await measureManifestHeads(input.target, manifests.map((m) => m.tag))) });
      const list = await measureArtifactList(input.target.baseUrl, size);
      result.artifactList.push({ size, ...list.latency });
      result.listTotals.push(list.total);
      log(`  at ${size.toLocaleString('en-US')}: manifest HEAD p50 ${ms(result.manifestHead.at(-1)!.p50)} ms, artifact list page p50 ${ms(list.latency.p50)} / p99 ${ms(list.latency.p99)} ms (X-Total-Count ${list.total})`);

      // GC's mark over every blob row (all seeded ones are referenced; what earlier scenarios left unreferenced is swept)
      worker ??= await startGcWorker(input);
      const mark = await measureGcMark(db, input.target.baseUrl, worker);
      result.gcMark.push({ size, ...mark });
      log(`  GC mark: ${mark.blobs.toLocaleString('en-US')} blobs in ${mark.markSeconds.toFixed(1)} s (${mark.microsecondsPerBlob.toFixed(1)} µs per blob)`);
    }
    await worker?.stop();

    let projects = await countProjects(db);
    for (const target of [100, input.projects]) {
      if (target > projects) await seedPublicProjects(db, projects, target);
      projects = Math.max(projects, target);
      await db.query('VACUUM ANALYZE project');
      await db.query('VACUUM ANALYZE project_metadata');
      const point = await measureProjectList(input.target.baseUrl, projects);
      result.projectList.push({ size: projects, ...point });
      log(`  ${projects.toLocaleString('en-US')} projects: project list page p50 ${ms(point.p50)} / p99 ${ms(point.p99)} ms`);
    }
    return result;
  } finally {
    store.close();
    await db.end();
  }
}

/** A worker process of the build (the api's env), with GC's time window at 0 so every blob is a candidate. */
async function startGcWorker(input: CostCurveInput): Promise<ManagedProcess> {
  const worker = ManagedProcess.start('Wharf worker (cost curves)', process.execPath, [WORKER_ENTRY], { ...process.env, ...input.env, GC_TIME_WINDOW_HOURS: '0' }, input.cleanup);
  await new Promise((resolve) => setTimeout(resolve, 3000)); // Nest start-up; a GC scheduled earlier just waits in the queue
  worker.assertAlive();
  return worker;
}

async function measureGcMark(db: Client, baseUrl: string, worker: ManagedProcess): Promise<Omit<GcMarkPoint, 'size'>> {
  const blobs = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM blob`)).rows[0].n;
  const executionId = await scheduleGc(baseUrl, 1);
  const end = await waitForGc(db, executionId, worker);
  if (end.status !== 'Success') throw new Error(`GC execution ${executionId} ended ${end.status}: ${end.message}`);
  const { markSeconds } = await phaseTimes(db, executionId);
  return { blobs, markSeconds, microsecondsPerBlob: (markSeconds * 1e6) / blobs };
}

async function measureManifestHeads(target: Target, tags: string[]): Promise<Omit<CurvePoint, 'size'>> {
  const latency = new LatencyRecorder();
  for (const tag of tags) {
    const started = performance.now();
    const response = await fetch(new URL(`/v2/${COST_REPOSITORY}/manifests/${tag}`, target.baseUrl), {
      method: 'HEAD',
      headers: { accept: MANIFEST_ACCEPT, ...(target.authorization ? { authorization: target.authorization } : {}) },
    });
    latency.record(performance.now() - started);
    if (response.status !== 200) throw new Error(`HEAD manifest ${tag}: ${response.status}`);
  }
  const [p50, p99] = latency.percentiles(50, 99);
  return { p50, p99, samples: latency.size };
}

async function measureArtifactList(baseUrl: string, expectedTotal: number): Promise<{ latency: Omit<CurvePoint, 'size'>; total: number }> {
  const [project, repository] = [COST_REPOSITORY.split('/')[0], COST_REPOSITORY.split('/').slice(1).join('/')];
  const latency = new LatencyRecorder();
  let total = -1;
  // a warm-up page: connection and the api's first-use costs are not the table's
  for (let i = -1; i < LIST_SAMPLES; i += 1) {
    const page = (Math.max(i, 0) % LIST_PAGES) + 1;
    const url = new URL(`/api/v2.0/projects/${project}/repositories/${encodeURIComponent(repository)}/artifacts?page=${page}&${PORTAL_LIST_QUERY}`, baseUrl);
    const started = performance.now();
    const response = await fetch(url);
    const body = (await response.json()) as unknown[];
    if (i >= 0) latency.record(performance.now() - started);
    if (response.status !== 200 || !Array.isArray(body) || body.length !== 15) throw new Error(`artifact list page ${page}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    total = Number(response.headers.get('x-total-count'));
  }
  if (total !== expectedTotal) throw new Error(`artifact list: X-Total-Count ${total}, expected ${expectedTotal}`);
  const [p50, p99] = latency.percentiles(50, 99);
  return { latency: { p50, p99, samples: latency.size }, total };
}

async function measureProjectList(baseUrl: string, projects: number): Promise<Omit<CurvePoint, 'size'>> {
  const latency = new LatencyRecorder();
  for (let i = -1; i < PROJECT_LIST_SAMPLES; i += 1) {
    const page = (Math.max(i, 0) % LIST_PAGES) + 1;
    const started = performance.now();
    const response = await fetch(new URL(`/api/v2.0/projects?page=${page}&page_size=15&with_detail=true`, baseUrl));
    const body = (await response.json()) as unknown[];
    if (i >= 0) latency.record(performance.now() - started);
    if (response.status !== 200 || !Array.isArray(body)) throw new Error(`project list page ${page}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    if (i === -1 && Number(response.headers.get('x-total-count')) < projects) throw new Error(`project list: X-Total-Count ${response.headers.get('x-total-count')}, expected at least ${projects}`);
  }
  const [p50, p99] = latency.percentiles(50, 99);
  return { p50, p99, samples: latency.size };
}

async function countProjects(db: Client): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM project`)).rows[0].n;
}

/** Public projects `cost-<n>` as the create path writes them (project and its `public` metadata), up to `to` projects in all. */
async function seedPublicProjects(db: Client, from: number, to: number): Promise<void> {
  await db.query(
    `WITH created AS (INSERT INTO project (name) SELECT 'cost-' || lpad(n::text, 6, '0') FROM generate_series($1::int + 1, $2::int) n RETURNING project_id)
     INSERT INTO project_metadata (project_id, name, value) SELECT project_id, 'public', 'true' FROM created`,
    [from, to],
  );
}

const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value.toFixed(1));
