/**
 * Beyond Harbor: a proxy-cache project with `proxy_scan_before_serve` holds the first pull of a
 * newly cached artifact until its scan report exists (at most PROXY_SCAN_WAIT_SECONDS), then
 * applies prevent_vul to it; no report in time: refused as not scanned. The pull asks the scan
 * side for a scan (SCAN_REQUESTER: an execution and a Pending scan_report row are written; no
 * worker runs here, so its job never runs); the test then writes the report as the scan job would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { VULNERABILITY_REPORT_V11 } from '@wharf/scanning';
import { eventually } from '../support/eventually';
import { skopeo, toolAvailable } from '../support/oci-layout';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { pushTestImage, startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { connectDatabase, createProxyProject } from '../proxy-cache/proxy-support';

const haveTools = toolAvailable('skopeo') && toolAvailable('docker-registry');
if (!haveTools && process.env.CI) throw new Error('skopeo and docker-registry are required in CI');

const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

(haveTools ? describe : describe.skip)('scan before serve (proxy-cache projects)', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let upstream: UpstreamRegistryProcess;
  let db: Client;
  let registration: string;
  let work: string;

  const get = async (repository: string, tag: string) => {
    const response = await fetch(`${api.url}/v2/${repository}/manifests/${tag}`, { headers: { authorization: basicAuth(TEST_ADMIN), accept: ACCEPT } });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined, digest: response.headers.get('docker-content-digest') };
  };

  const writeReport = (digest: string, vulnerabilities: object[]) =>
    db.query(
      `INSERT INTO scan_report (digest, registration_uuid, mime_type, scan_status, report, severity, report_time)
       VALUES ($1, $2, $3, 'Success', $4, $5, now())
       ON CONFLICT (digest, registration_uuid, mime_type) DO UPDATE SET scan_status = 'Success', report = $4, severity = $5, report_time = now()`,
      [digest, registration, VULNERABILITY_REPORT_V11, JSON.stringify({ vulnerabilities }), vulnerabilities.length ? 'Critical' : 'None'],
    );

  /** the GET, and once the artifact is cached (the pull waits for its scan), the report the scan would write */
  async function pullWhileScanned(tag: string, vulnerabilities: object[]) {
    const pushed = await pushTestImage(upstream.url, 'library/app', tag, null, { layers: 1 });
    const pending = get('hub/library/app', tag);
    await eventually(async () => {
      const rows = await db.query(`SELECT 1 FROM artifact WHERE repository_name = 'hub/library/app' AND digest = $1`, [pushed.digest]);
      return rows.rowCount === 1;
    });
    await writeReport(pushed.digest, vulnerabilities);
    return { answer: await pending, digest: pushed.digest };
  }

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { PROXY_SCAN_WAIT_SECONDS: '8' });
    api = await startApi(environment);
    upstream = await startUpstreamRegistry();
    db = await connectDatabase(environment);
    work = mkdtempSync(join(tmpdir(), 'wharf-scan-before-serve-'));
    registration = (await db.query<{ uuid: string }>(`INSERT INTO scanner_registration (uuid, url, name, is_default) VALUES (gen_random_uuid()::text, 'http://127.0.0.1:1/a', 's', true) RETURNING uuid`)).rows[0].uuid;
    await createProxyProject(api, 'hub', upstream.url, { metadata: { proxy_scan_before_serve: 'true', prevent_vul: 'true', severity: 'high' } });
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await upstream?.stop();
    await api?.close();
    await environment?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves a newly cached artifact once its scan reports nothing at or above the severity', async () => {
    const { answer, digest } = await pullWhileScanned('clean', [{ id: 'CVE-2021-3999', package: 'glibc', severity: 'Low' }]);
    expect(answer.status).toBe(200);
    expect(answer.digest).toBe(digest);
  });

  it('refuses it when the scan finds a vulnerability at or above the severity', async () => {
    const { answer } = await pullWhileScanned('bad', [{ id: 'CVE-2022-37434', package: 'zlib', severity: 'Critical' }]);
    expect(answer.status).toBe(412);
    expect(answer.json.errors[0]).toMatchObject({ code: 'PROJECTPOLICYVIOLATION', message: expect.stringMatching(/current image with 1 vulnerability cannot be pulled/) });
  });

  it('refuses it as not scanned when no report comes within the wait, and serves it to skopeo once scanned', async () => {
    const pushed = await pushTestImage(upstream.url, 'library/app', 'late', null, { layers: 1 });
    const refused = await get('hub/library/app', 'late');
    expect(refused.status).toBe(412);
    // the pull asked for a scan: one execution of vendor SCAN with a task for that digest, its report row Pending
    const requested = await db.query(
      `SELECT r.scan_status FROM scan_report r JOIN task t ON t.id = r.task_id JOIN execution e ON e.id = t.execution_id WHERE r.digest = $1 AND e.vendor_type = 'SCAN'`,
      [pushed.digest],
    );
    expect(requested.rows).toEqual([{ scan_status: 'Pending' }]);
    expect(refused.json.errors[0]).toMatchObject({ code: 'PROJECTPOLICYVIOLATION', message: expect.stringMatching(/not scanned yet .*proxy_scan_before_serve/) });
    await writeReport(pushed.digest, []);
    await skopeo(['copy', '--src-tls-verify=false', '--src-creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`, `docker://${api.url.replace('http://', '')}/hub/library/app:late`, `dir:${join(work, 'late')}`]);
  }, 60_000);
});
