/**
 * The scan overview scenario (issue 14): an artifact list of 1,000 artifacts (ten pages of 100,
 * Harbor's largest page) read with `with_scan_overview=true` and without, alternately, many
 * times; the goal is at most 1.5x the plain list. Seeded straight into the bench's database: one
 * repository of 1,000 tagged images (artifact, tag, blob, artifact_blob rows as a push writes
 * them; no bytes in storage: a listing never reads them), a default scanner registration, and for
 * each image a v1.1 and a v1.0 `scan_report` row with a 40-vulnerability report, as scans leave
 * them (libs/scanning/src/scan-report.ts).
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { median } from '../statistics';
import type { Target } from '../targets/target';
import { ADMIN_PASSWORD } from '../targets/wharf';

export const SCAN_OVERVIEW_SCENARIO_ID = 'scan-overview';
export const SCAN_OVERVIEW_GOALS = { maxRatio: 1.5 } as const;

const PROJECT = 'scanbench';
const REPOSITORY = `${PROJECT}/app`;
const ARTIFACTS = 1_000;
const PAGE_SIZE = 100;
const ROUNDS = 15;
const WARMUP_ROUNDS = 2;
const VULNERABILITIES = 40;

export interface ScanOverviewMeasurement {
  artifacts: number;
  pageSize: number;
  rounds: number;
  /** median milliseconds to read all pages */
  plainMs: number;
  withOverviewMs: number;
  ratio: number;
  goals: typeof SCAN_OVERVIEW_GOALS;
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

async function seed(db: Client, projectId: number): Promise<void> {
  await db.query(`INSERT INTO repository (project_id, name) VALUES ($1, $2)`, [projectId, REPOSITORY]);
  const digest = `'sha256:' || encode(sha256(('scanbench-' || i)::bytea), 'hex')`;
  await db.query(`INSERT INTO blob (digest, content_type, size) SELECT ${digest}, 'application/vnd.oci.image.manifest.v1+json', 400 FROM generate_series(1, $1) i`, [ARTIFACTS]);
  await db.query(
    `INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, config_media_type, type, size, manifest, push_time)
     SELECT $1, r.repository_id, r.name, ${digest}, 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json', 'IMAGE', 400, '{}'::bytea,
            now() - interval '1 day' + make_interval(secs => i)
       FROM generate_series(1, $2) i JOIN repository r ON r.name = $3`,
    [projectId, ARTIFACTS, REPOSITORY],
  );
  await db.query(`INSERT INTO tag (repository_id, artifact_id, name, push_time) SELECT a.repository_id, a.id, 'v' || a.id, a.push_time FROM artifact a WHERE a.project_id = $1`, [projectId]);
  await db.query(`INSERT INTO artifact_blob (digest_af, digest_blob) SELECT digest, digest FROM artifact WHERE project_id = $1`, [projectId]);
  await db.query(`INSERT INTO project_blob (project_id, blob_id) SELECT $1, id FROM blob WHERE digest IN (SELECT digest FROM artifact WHERE project_id = $1)`, [projectId]);
  await db.query(
    `INSERT INTO scanner_registration (uuid, name, url, is_default)
     SELECT gen_random_uuid()::text, 'bench-scanner', 'http://127.0.0.1:1', true WHERE NOT EXISTS (SELECT 1 FROM scanner_registration WHERE is_default)`,
  );
  const vulnerabilities = Array.from({ length: VULNERABILITIES }, (_, n) => ({
    id: `CVE-2024-${1000 + n}`,
    package: `pkg-${n % 7}`,
    version: '1.0.0',
    fix_version: n % 2 ? '1.0.1' : '',
    severity: ['Low', 'Medium', 'High', 'Critical'][n % 4],
    description: 'x'.repeat(200),
    links: [`https://osv.dev/CVE-2024-${1000 + n}`],
    preferred_cvss: { score_v3: 7.5 },
    cwe_ids: ['CWE-79'],
  }));
  const report = JSON.stringify({ generated_at: new Date().toISOString(), artifact: {}, scanner: { name: 'bench', vendor: 'Wharf', version: '1' }, severity: 'Critical', vulnerabilities });
  const summary = JSON.stringify({ total: VULNERABILITIES, fixable: VULNERABILITIES / 2, summary: { Low: 10, Medium: 10, High: 10, Critical: 10 } });
  for (const mimeType of ['application/vnd.security.vulnerability.report; version=1.1', 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0']) {
    await db.query(
      `INSERT INTO scan_report (digest, registration_uuid, mime_type, scan_status, start_time, end_time, report, severity, summary, scanner, report_time)
       SELECT a.digest, (SELECT uuid::uuid FROM scanner_registration WHERE is_default), $2, 'Success', now() - interval '1 hour', now() - interval '59 minutes',
              $3::jsonb, 'Critical', $4::jsonb, '{"name":"bench","vendor":"Wharf","version":"1"}'::jsonb, now()
         FROM artifact a WHERE a.project_id = $1`,
      [projectId, mimeType, report, summary],
    );
  }
  await db.query(`ANALYZE repository; ANALYZE artifact; ANALYZE tag; ANALYZE scan_report`);
}

/** Milliseconds to read every page of the repository's artifacts. */
async function readAll(baseUrl: string, overview: boolean): Promise<number> {
  const started = performance.now();
  for (let page = 1; page <= ARTIFACTS / PAGE_SIZE; page += 1) {
    const response = await api(baseUrl, 'GET', `/projects/${PROJECT}/repositories/app/artifacts?page=${page}&page_size=${PAGE_SIZE}${overview ? '&with_scan_overview=true' : ''}`);
    const items = (await response.json()) as Array<{ scan_overview?: unknown }>;
    if (items.length !== PAGE_SIZE) throw new Error(`page ${page}: ${items.length} artifacts, expected ${PAGE_SIZE}`);
    if (overview && items.some((a) => !a.scan_overview)) throw new Error(`page ${page}: an artifact without its scan_overview`);
  }
  return performance.now() - started;
}


export async function runScanOverviewBench(input: { target: Target; databaseUrl: string }, log: (line: string) => void): Promise<ScanOverviewMeasurement> {
  const db = new Client({ connectionString: input.databaseUrl });
  await db.connect();
  try {
    const created = await api(input.target.baseUrl, 'POST', '/projects', { project_name: PROJECT });
    const projectId = Number(created.headers.get('location')!.split('/').pop());
    await seed(db, projectId);
    log(`seeded ${ARTIFACTS} artifacts with 2 reports each`);
    // warm-up: plans, connections, JIT
    for (let i = 0; i < WARMUP_ROUNDS; i += 1) {
      await readAll(input.target.baseUrl, false);
      await readAll(input.target.baseUrl, true);
    }
    const plain: number[] = [];
    const withOverview: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // alternate the order so neither side always runs on a cache the other warmed
      if (round % 2) {
        withOverview.push(await readAll(input.target.baseUrl, true));
        plain.push(await readAll(input.target.baseUrl, false));
      } else {
        plain.push(await readAll(input.target.baseUrl, false));
        withOverview.push(await readAll(input.target.baseUrl, true));
      }
    }
    const plainMs = median(plain);
    const withOverviewMs = median(withOverview);
    const ratio = withOverviewMs / plainMs;
    log(`1,000 artifacts: ${plainMs.toFixed(1)} ms plain, ${withOverviewMs.toFixed(1)} ms with scan overviews, ratio ${ratio.toFixed(2)}`);
    return { artifacts: ARTIFACTS, pageSize: PAGE_SIZE, rounds: ROUNDS, plainMs, withOverviewMs, ratio, goals: SCAN_OVERVIEW_GOALS };
  } finally {
    await db.end().catch(() => undefined);
  }
}

export function formatScanOverviewTable(m: ScanOverviewMeasurement): string {
  return [
    `Scan overviews: ${m.artifacts.toLocaleString('en')} artifacts in pages of ${m.pageSize}, median of ${m.rounds} rounds (goal: <= ${m.goals.maxRatio}x the plain list)`,
    `  plain list            ${m.plainMs.toFixed(1).padStart(8)} ms`,
    `  with_scan_overview    ${m.withOverviewMs.toFixed(1).padStart(8)} ms  ratio ${m.ratio.toFixed(2)}  ${m.ratio <= m.goals.maxRatio ? 'ok' : 'MISSED'}`,
  ].join('\n');
}
