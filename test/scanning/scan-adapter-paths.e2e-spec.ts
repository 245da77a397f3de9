/**
 * Scan tasks against a strict spec fake of the Pluggable Scanner API, for the paths a real adapter
 * does not take on demand: 202 then 302 with and without Refresh-After, 404 (resubmitted once),
 * 500, 501, a refused submission, a report that never comes within 5 s, each adapter auth mode,
 * Basic or Bearer registry credentials as the adapter's metadata asks, the report kept in force
 * during a rescan, stop, and no scan robot left behind, even when a worker dies mid-scan.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { callApi } from '../support/management-api';
import { RegistryClient } from '../support/registry-client';
import { DEBIAN_11_OS_RELEASE, dpkgEntry, pushTestImage, type PushedImage } from '../support/scanner-images';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { spawnWorker, startWorker } from '../support/worker-context';
import { FakeAdapter, VALID_METADATA, VULN_V11, type FakeAdapterOptions } from './fake-adapter';

jest.setTimeout(180_000);

const REPORT = {
  generated_at: '2026-01-01T00:00:00Z',
  scanner: VALID_METADATA.scanner,
  severity: 'High',
  vulnerabilities: [
    { id: 'CVE-2023-0286', package: 'openssl', version: '1.1.1n', fix_version: '1.1.1o', severity: 'High' },
    { id: 'CVE-2000-0001', package: 'zlib', version: '1', severity: 'Low' },
  ],
};

let environment: TestEnvironment;
let api: RunningApi;
let worker: INestApplicationContext | undefined;
let db: Client;
let image: PushedImage;
const fakes: FakeAdapter[] = [];
let project = 0;

beforeAll(async () => {
  environment = await createTestEnvironment();
  api = await startApi(environment);
  worker = await startWorker(environment, { EXTERNAL_URL: api.url });
  db = new Client({ connectionString: environment.config.DATABASE_URL });
  await db.connect();
  expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'base', public: false } })).status).toBe(201);
  image = await pushTestImage(new RegistryClient(api.url), 'base/app', 'v1', [
    { compression: 'gzip', files: { 'etc/os-release': DEBIAN_11_OS_RELEASE, 'var/lib/dpkg/status': `${dpkgEntry('openssl', '1.1.1n-0+deb11u3')}\n` } },
  ]);
});

afterAll(async () => {
  await Promise.all(fakes.map((f) => f.stop()));
  await worker?.close();
  await db?.end();
  await api?.close();
  await environment?.close();
});

const call = (method: string, path: string, body?: unknown) => callApi(api.url, method, path, { body });

/** A project of its own with the image copied in, scanned by a fake with these options. */
async function projectWith(options: FakeAdapterOptions, registration: Record<string, unknown> = {}): Promise<{ name: string; fake: FakeAdapter }> {
  project += 1;
  const name = `p${project}`;
  const fake = await new FakeAdapter(options).start();
  fakes.push(fake);
  expect((await call('POST', '/projects', { project_name: name, public: false })).status).toBe(201);
  expect((await call('POST', `/projects/${name}/repositories/app/artifacts?from=base/app:v1`)).status).toBe(201);
  const created = await call('POST', '/scanners', { name: `fake-${name}`, url: fake.url, ...registration });
  expect([created.status, created.text]).toEqual([201, '']);
  const uuid = created.headers.get('location')!.split('/').pop();
  expect((await call('PUT', `/projects/${name}/scanner`, { uuid })).status).toBe(200);
  return { name, fake };
}

interface ReportRow {
  uuid: string;
  scan_status: string;
  status_message: string;
  severity: string | null;
  summary: unknown;
  task_id: string;
}

async function reportOf(name: string): Promise<ReportRow> {
  const { rows } = await db.query<ReportRow>(
    `SELECT s.uuid, s.scan_status, s.status_message, s.severity, s.summary, s.task_id FROM scan_report s
       JOIN scanner_registration r ON r.uuid::text = s.registration_uuid::text WHERE r.name = $1 AND s.digest = $2`,
    [`fake-${name}`, image.digest],
  );
  return rows[0];
}

async function scanUntilEnd(name: string, timeoutMs = 30_000): Promise<ReportRow> {
  expect((await call('POST', `/projects/${name}/repositories/app/artifacts/v1/scan`)).status).toBe(202);
  let row: ReportRow | undefined;
  await eventually(async () => {
    row = await reportOf(name);
    return Boolean(row && ['Success', 'Error', 'Stopped'].includes(row.scan_status));
  }, timeoutMs);
  return row!;
}

async function scanRobots(): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(`SELECT name FROM robot WHERE creator_ref = 'wharf:scan-task'`);
  return rows.map((r) => r.name);
}

it('polls past 302s with Refresh-After, stores the report with its severity and summary, and deletes the robot', async () => {
  const { name, fake } = await projectWith({ report: [{ status: 302, refreshAfter: 1 }, { status: 302, refreshAfter: 1 }, { status: 200, body: REPORT }] });
  const row = await scanUntilEnd(name);
  expect([row.scan_status, row.severity, row.summary]).toEqual(['Success', 'High', { total: 2, fixable: 1, summary: { High: 1, Low: 1 } }]);
  const submitted = fake.seen.find((r) => r.path === '/api/v1/scan')!;
  const request = JSON.parse(submitted.body);
  expect(request).toEqual({
    registry: { url: api.url, authorization: expect.stringMatching(/^Bearer /) },
    artifact: { repository: `${name}/app`, tag: 'v1', digest: image.digest, mime_type: 'application/vnd.oci.image.manifest.v1+json' },
    enabled_capabilities: [{ type: 'vulnerability', produces_mime_types: [VULN_V11] }],
  });
  expect(fake.seen.filter((r) => r.path.endsWith('/report')).map((r) => r.headers.accept)).toEqual([VULN_V11, VULN_V11, VULN_V11]);
  expect(await scanRobots()).toEqual([]);
  const log = await call('GET', `/projects/${name}/repositories/app/artifacts/v1/scan/${row.uuid}/log`);
  expect(log.status).toBe(200);
  expect(log.text).toContain('Success: scanned');
});

it('waits 5 s on a 302 without Refresh-After', async () => {
  const { name, fake } = await projectWith({ report: [{ status: 302 }, { status: 200, body: REPORT }] });
  const row = await scanUntilEnd(name);
  expect(row.scan_status).toBe('Success');
  const polls = fake.seen.filter((r) => r.path.endsWith('/report'));
  expect(polls).toHaveLength(2);
});

it('hands the adapter Basic robot credentials when its metadata asks for Basic (and sends the registration credential)', async () => {
  const { name, fake } = await projectWith(
    { metadata: { ...VALID_METADATA, properties: {} }, requireHeader: { name: 'authorization', value: 'Bearer adapter-token' }, report: [{ status: 200, body: REPORT }] },
    { auth: 'Bearer', access_credential: 'adapter-token' },
  );
  const row = await scanUntilEnd(name);
  expect(row.scan_status).toBe('Success');
  const { registry } = JSON.parse(fake.seen.find((r) => r.path === '/api/v1/scan')!.body);
  expect(registry.authorization).toMatch(/^Basic /);
  const [user, secret] = Buffer.from(registry.authorization.slice(6), 'base64').toString().split(':');
  expect(user).toBe(`robot$${name}+wharf-scan-${row.task_id}`);
  expect(secret).toHaveLength(32);
  // the robot is gone: its credentials no longer open /v2
  expect((await fetch(`${api.url}/v2/${name}/app/manifests/v1`, { headers: { authorization: registry.authorization } })).status).toBe(401);
});

it('sends the API key header under the X-ScannerAdapter-API-Key auth', async () => {
  const { name } = await projectWith({ requireHeader: { name: 'x-scanneradapter-api-key', value: 'k-1' }, report: [{ status: 200, body: REPORT }] }, { auth: 'APIKey', access_credential: 'k-1' });
  expect((await scanUntilEnd(name)).scan_status).toBe('Success');
});

it('resubmits once on a 404, and fails on a second one', async () => {
  const once = await projectWith({ report: [{ status: 404 }, { status: 200, body: REPORT }] });
  expect((await scanUntilEnd(once.name)).scan_status).toBe('Success');
  expect(once.fake.scanCount).toBe(2);
  const twice = await projectWith({ report: [{ status: 404 }] });
  const row = await scanUntilEnd(twice.name);
  expect(row.scan_status).toBe('Error');
  expect(row.status_message).toContain('even after a resubmission');
  expect(twice.fake.scanCount).toBe(2);
});

it('fails with the adapter reason on 500, 501, a refused submission, and a report that does not come within 5 s', async () => {
  const failing = await projectWith({ report: [{ status: 500, body: { error: { message: 'database broken' } } }] });
  expect(await scanUntilEnd(failing.name)).toMatchObject({ scan_status: 'Error', status_message: expect.stringContaining('HTTP 500: database broken') });
  const unsupported = await projectWith({ report: [{ status: 501 }] });
  expect(await scanUntilEnd(unsupported.name)).toMatchObject({ scan_status: 'Error', status_message: expect.stringContaining('HTTP 501') });
  const refused = await projectWith({ scanStatus: 422 });
  expect(await scanUntilEnd(refused.name)).toMatchObject({ scan_status: 'Error', status_message: expect.stringContaining('refused the scan (HTTP 422)') });
  const hanging = await projectWith({ report: [{ hang: true }] });
  expect(await scanUntilEnd(hanging.name)).toMatchObject({ scan_status: 'Error', status_message: expect.stringContaining('no answer within 5 s') });
  expect(await scanRobots()).toEqual([]);
});

it('keeps the last report in force while a rescan runs and after it fails; a stop ends the rescan', async () => {
  const { name, fake } = await projectWith({ report: [{ status: 200, body: REPORT }] });
  expect((await scanUntilEnd(name)).severity).toBe('High');
  fake.options.report = [{ status: 302, refreshAfter: 1 }];
  (fake as unknown as { polls: number }).polls = 0;
  expect((await call('POST', `/projects/${name}/repositories/app/artifacts/v1/scan`)).status).toBe(202);
  await eventually(async () => (await reportOf(name)).scan_status === 'Running');
  expect(await reportOf(name)).toMatchObject({ severity: 'High', summary: { total: 2, fixable: 1, summary: { High: 1, Low: 1 } } });
  await eventually(async () => (await scanRobots()).length === 1);
  expect((await call('POST', `/projects/${name}/repositories/app/artifacts/v1/scan/stop`, { scan_type: 'vulnerability' })).status).toBe(202);
  await eventually(async () => (await reportOf(name)).scan_status === 'Stopped');
  expect(await reportOf(name)).toMatchObject({ severity: 'High' });
  await eventually(async () => (await scanRobots()).length === 0);
});

it('sweeps the robot of a scan whose worker was killed mid-scan', async () => {
  jest.setTimeout(300_000);
  // the in-process worker stands aside: a real worker process takes the scan and is killed
  await worker?.close();
  worker = undefined;
  const { name } = await projectWith({ report: [{ status: 302, refreshAfter: 1 }] });
  const first = spawnWorker(environment, { EXTERNAL_URL: api.url, LOG_LEVEL: 'warn' });
  expect((await call('POST', `/projects/${name}/repositories/app/artifacts/v1/scan`)).status).toBe(202);
  await eventually(async () => (await scanRobots()).length === 1, 60_000).catch((error) => {
    throw new Error(`${(error as Error).message}\n${first.output()}`);
  });
  await first.kill('SIGKILL');
  const [robot] = await scanRobots();
  expect(robot).toMatch(new RegExp(`^robot\\$${name}\\+wharf-scan-\\d+$`));
  // the watchdog ends a task whose worker stopped reporting (after STALE_TASK_SECONDS; here at once)
  await db.query(`UPDATE task SET status = 'Error', status_message = 'worker died', end_time = now() WHERE id = $1`, [robot.split('-').pop()]);
  const second = spawnWorker(environment, { EXTERNAL_URL: api.url, SCAN_ROBOT_SWEEP_INTERVAL_SECONDS: '1', LOG_LEVEL: 'warn' });
  try {
    await eventually(async () => (await scanRobots()).length === 0, 60_000).catch((error) => {
      throw new Error(`${(error as Error).message}\n${second.output()}`);
    });
  } finally {
    await second.kill();
  }
});
