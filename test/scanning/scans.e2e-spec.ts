/**
 * Scans with Wharf's own scanner adapter process and its real engines (the OSV fixture loaded by
 * scanner:db-import): the adapter pulls through /v2 with each scan's robot credentials, reports
 * are written per digest, registration and mime type; an index scans each child; an SBOM becomes
 * an accessory of its subject and goes with it; scan on push and SBOM on push; scan all skips
 * digests whose report is current; no scan robot is left.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { callApi } from '../support/management-api';
import { RegistryClient } from '../support/registry-client';
import { startScannerProcess, type ScannerProcess } from '../support/scanner-process';
import { DEBIAN_11_OS_RELEASE, dpkgEntry, pushTestImage, pushTestIndex, type PushedImage } from '../support/scanner-images';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker } from '../support/worker-context';

jest.setTimeout(180_000);

const V11 = 'application/vnd.security.vulnerability.report; version=1.1';
const SBOM = 'application/vnd.security.sbom.report+json; version=1.0';
let environment: TestEnvironment;
let api: RunningApi;
let worker: INestApplicationContext;
let scanner: ScannerProcess;
let db: Client;
let debian: PushedImage;
let amd64: PushedImage;
let arm64: PushedImage;
let index: string;
let client: RegistryClient;

const call = (method: string, path: string, body?: unknown) => callApi(api.url, method, path, { body });
const debianLayer = (packages: string[]) => ({ compression: 'gzip' as const, files: { 'etc/os-release': DEBIAN_11_OS_RELEASE, 'var/lib/dpkg/status': `${packages.join('\n\n')}\n` } });

beforeAll(async () => {
  environment = await createTestEnvironment();
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'scanner', 'src', 'cli', 'db-import.js'), join(__dirname, '..', 'scanner-db', 'fixtures', 'osv')], {
    env: { ...process.env, ...environment.env },
    stdio: 'pipe',
  });
  [api, scanner] = await Promise.all([startApi(environment), startScannerProcess(environment.env)]);
  worker = await startWorker(environment, { EXTERNAL_URL: api.url });
  db = new Client({ connectionString: environment.config.DATABASE_URL });
  await db.connect();
  expect((await call('POST', '/scanners', { name: 'wharf', url: scanner.url, auth: 'None' })).status).toBe(201);
  expect((await call('POST', '/projects', { project_name: 'scans', public: false })).status).toBe(201);
  client = new RegistryClient(api.url);
  debian = await pushTestImage(client, 'scans/debian', 'v1', [debianLayer([dpkgEntry('openssl', '1.1.1n-0+deb11u3'), dpkgEntry('libssl1.1', '1.1.1n-0+deb11u3', 'openssl')])]);
  amd64 = await pushTestImage(client, 'scans/multi', 'amd64', [debianLayer([dpkgEntry('libssl1.1', '1.1.1n-0+deb11u3', 'openssl')])]);
  arm64 = await pushTestImage(client, 'scans/multi', 'arm64', [debianLayer([dpkgEntry('zlib1g', '1:1.2.11.dfsg-2+deb11u2', 'zlib')])], 'arm64');
  index = await pushTestIndex(client, 'scans/multi', 'index', [amd64, arm64]);
});

afterAll(async () => {
  await worker?.close();
  await scanner?.stop();
  await db?.end();
  await api?.close();
  await environment?.close();
});

interface Row {
  uuid: string;
  scan_status: string;
  status_message: string;
  severity: string | null;
  summary: { total: number; fixable: number; summary: Record<string, number> } | null;
  scanner: { name: string; version: string } | null;
  report: Record<string, unknown> | null;
  database_updated_at: Date | null;
}

async function report(digest: string, mime = V11): Promise<Row | undefined> {
  const { rows } = await db.query<Row>(`SELECT uuid, scan_status, status_message, severity, summary, scanner, report, database_updated_at FROM scan_report WHERE digest = $1 AND mime_type = $2`, [digest, mime]);
  return rows[0];
}

async function ended(digest: string, mime = V11): Promise<Row> {
  let row: Row | undefined;
  await eventually(async () => {
    row = await report(digest, mime);
    return Boolean(row && ['Success', 'Error', 'Stopped'].includes(row.scan_status));
  }, 90_000);
  return row!;
}

const scanRobots = async () => (await db.query(`SELECT name FROM robot WHERE creator_ref = 'wharf:scan-task'`)).rows;

it('scans an image: the adapter pulls it through /v2 as the scan robot, the report is stored with its severity and summary', async () => {
  expect((await call('POST', '/projects/scans/repositories/debian/artifacts/v1/scan')).status).toBe(202);
  const row = await ended(debian.digest);
  expect({ status: row.scan_status, message: row.status_message }).toEqual({ status: 'Success', message: '' });
  // severity and summary are the report's own: its highest severity, its counts (the OSV fixture's Debian records carry no severity: Unknown)
  const vulnerabilities = row.report!.vulnerabilities as { id: string; package: string; severity: string; fix_version?: string }[];
  expect(vulnerabilities.map((v) => [v.id, v.package])).toEqual(expect.arrayContaining([['CVE-2023-0286', 'openssl'], ['CVE-2023-0286', 'libssl1.1']]));
  const counts: Record<string, number> = {};
  for (const v of vulnerabilities) counts[v.severity] = (counts[v.severity] ?? 0) + 1;
  expect(row.summary).toEqual({ total: vulnerabilities.length, fixable: vulnerabilities.filter((v) => v.fix_version).length, summary: counts });
  expect(Object.keys(counts)).toContain(row.severity);
  expect(row.scanner?.name).toEqual(expect.any(String));
  expect(row.database_updated_at).not.toBeNull();
  // the pulls (manifest and blobs) were the robot's: the audit log names it
  const pullers = async () => new Set((await db.query<{ username: string }>(`SELECT username FROM audit_log WHERE operation = 'pull' AND resource LIKE 'scans/debian%'`)).rows.map((r) => r.username));
  await eventually(async () => (await pullers()).size > 0);
  expect([...(await pullers())]).toEqual([expect.stringMatching(/^robot\$scans\+wharf-scan-\d+$/)]);
  expect(await scanRobots()).toEqual([]);
  const log = await call('GET', `/projects/scans/repositories/debian/artifacts/v1/scan/${row.uuid}/log`);
  expect(log.text).toContain(`report: ${row.summary!.total} vulnerabilities (${row.summary!.fixable} fixable), severity ${row.severity}`);
});

it('scans each child of an index', async () => {
  expect((await call('POST', `/projects/scans/repositories/multi/artifacts/${index}/scan`, { scan_type: 'vulnerability' })).status).toBe(202);
  const [a, b] = [await ended(amd64.digest), await ended(arm64.digest)];
  expect([a.scan_status, a.summary!.total > 0, b.scan_status, b.severity, b.summary?.total]).toEqual(['Success', true, 'Success', 'None', 0]);
  expect(await report(index)).toBeUndefined();
});

it('stores an SBOM as an accessory of its subject, deleted with it', async () => {
  const image = await pushTestImage(client, 'scans/sbom', 'v1', [debianLayer([dpkgEntry('libssl1.1', '1.1.1n-0+deb11u3', 'openssl')])]);
  expect((await call('POST', '/projects/scans/repositories/sbom/artifacts/v1/scan', { scan_type: 'sbom' })).status).toBe(202);
  const row = await ended(image.digest, SBOM);
  expect(row.scan_status).toBe('Success');
  const sbomDigest = row.report!.sbom_digest as string;
  const { rows } = await db.query<{ artifact_type: string; subject_digest: string }>(`SELECT artifact_type, subject_digest FROM artifact WHERE digest = $1`, [sbomDigest]);
  expect(rows).toEqual([{ artifact_type: 'application/vnd.goharbor.harbor.sbom.v1', subject_digest: image.digest }]);
  const referrers = (await (await client.fetch(`/v2/scans/sbom/referrers/${image.digest}`)).json()) as { manifests: { digest: string; artifactType: string }[] };
  expect(referrers.manifests).toEqual([expect.objectContaining({ digest: sbomDigest, artifactType: 'application/vnd.goharbor.harbor.sbom.v1' })]);
  expect(await scanRobots()).toEqual([]);
  expect((await call('DELETE', '/projects/scans/repositories/sbom/artifacts/v1')).status).toBe(200);
  expect((await db.query(`SELECT 1 FROM artifact WHERE digest = $1`, [sbomDigest])).rows).toEqual([]);
});

it('scans on push (auto_scan) and generates an SBOM on push (auto_sbom_generation)', async () => {
  expect((await call('POST', '/projects', { project_name: 'auto', public: false, metadata: { auto_scan: 'true', auto_sbom_generation: 'true' } })).status).toBe(201);
  const image = await pushTestImage(client, 'auto/app', 'v1', [debianLayer([dpkgEntry('openssl', '1.1.1n-0+deb11u3')])]);
  expect((await ended(image.digest)).summary!.total).toBeGreaterThan(0);
  expect((await ended(image.digest, SBOM)).scan_status).toBe('Success');
  // the SBOM accessory's own push is not scanned
  const sbomDigest = ((await report(image.digest, SBOM))!.report!.sbom_digest) as string;
  expect(await report(sbomDigest)).toBeUndefined();
  await eventually(async () => (await scanRobots()).length === 0);
});

it('scans all, skipping digests whose report is current; reports metrics; no robot left', async () => {
  const fresh = await pushTestImage(client, 'scans/fresh', 'v1', [debianLayer([dpkgEntry('openssl', '1.1.1n-0+deb11u3'), dpkgEntry('tar', '1.34')])]);
  const before = (await report(debian.digest))!.uuid;
  expect((await call('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status).toBe(201);
  await eventually(async () => (await call('GET', '/scans/all/metrics')).json.ongoing === false && (await call('GET', '/scans/all/metrics')).json.total > 0, 90_000);
  const metrics = (await call('GET', '/scans/all/metrics')).json;
  // only the image with no report yet: the others' reports are current
  expect(metrics).toMatchObject({ total: 1, completed: 1, metrics: { Success: 1 }, ongoing: false, trigger: 'MANUAL' });
  expect((await ended(fresh.digest)).scan_status).toBe('Success');
  expect((await report(debian.digest))!.uuid).toBe(before);
  // a second run finds everything current
  expect((await call('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status).toBe(201);
  await eventually(async () => {
    const { rows } = await db.query<{ status: string; status_message: string }>(`SELECT status, status_message FROM execution WHERE vendor_type = 'SCAN_ALL' ORDER BY id DESC LIMIT 1`);
    return rows[0]?.status === 'Success' && rows[0].status_message.includes('current');
  }, 60_000);
  expect(await scanRobots()).toEqual([]);
});

it('keeps the scan-all schedule (Daily, Custom, None) as GC keeps its own', async () => {
  expect((await call('GET', '/system/scanAll/schedule')).json).toEqual({ schedule: { type: 'None', cron: '' } });
  expect((await call('PUT', '/system/scanAll/schedule', { schedule: { type: 'Daily' } })).status).toBe(200);
  expect((await call('GET', '/system/scanAll/schedule')).json.schedule).toMatchObject({ type: 'Daily', cron: '0 0 0 * * *' });
  expect((await call('PUT', '/system/scanAll/schedule', { schedule: { type: 'Custom', cron: '0 30 2 * * *' } })).status).toBe(200);
  expect((await call('GET', '/system/scanAll/schedule')).json.schedule).toMatchObject({ type: 'Custom', cron: '0 30 2 * * *' });
  expect((await call('PUT', '/system/scanAll/schedule', { schedule: { type: 'Custom' } })).status).toBe(400);
  expect((await call('PUT', '/system/scanAll/schedule', { schedule: { type: 'None' } })).status).toBe(200);
  expect((await call('GET', '/system/scanAll/schedule')).json.schedule.type).toBe('None');
  expect((await call('GET', '/scans/schedule/metrics')).json).toEqual({ total: 0, completed: 0, metrics: {}, ongoing: false });
  expect((await call('POST', '/system/scanAll/stop')).status).toBe(412);
});
