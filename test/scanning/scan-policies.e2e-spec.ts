/**
 * Pull policies with real clients (skopeo, and docker through the test engine): prevent_vul with
 * severity refuses a vulnerable or unscanned artifact with 412 PROJECTPOLICYVIOLATION and a
 * message that says why; the system's and the project's CVE allowlists (and their expiry) let it
 * through; the scan jobs' robots are exempt; enable_content_trust_cosign refuses an unsigned
 * artifact until a cosign signature (cosign's `sha256-<hex>.sig` tag) is pushed. The scan side
 * (scan-core) writes scan_report: here the test writes its rows as the contract describes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { RobotService } from '@wharf/iam';
import { SCAN_ROBOT_PREFIX, VULNERABILITY_REPORT_V11 } from '@wharf/scanning';
import { docker, ensureDocker } from '../support/docker-env';
import { buildImageLayout, buildMultiArchLayout, rawManifestDigest, skopeo, toolAvailable } from '../support/oci-layout';
import { TEST_ADMIN, basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const haveTools = toolAvailable('skopeo') && toolAvailable('umoci');
if (!haveTools && process.env.CI) throw new Error('skopeo and umoci are required in CI (apt-get install skopeo umoci)');
const dockerHost = haveTools ? ensureDocker() : undefined;

const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json';
const REPORT = {
  generated_at: '2026-12-06T00:00:00Z',
  scanner: { name: 'Wharf Scanner', vendor: 'Wharf', version: '1' },
  severity: 'Critical',
  vulnerabilities: [
    { id: 'CVE-2023-0286', package: 'openssl', version: '3.0.7', fix_version: '3.0.8', severity: 'High' },
    { id: 'CVE-2022-37434', package: 'zlib', version: '1.2.12', fix_version: '1.2.13', severity: 'Critical' },
    { id: 'CVE-2021-3999', package: 'glibc', version: '2.31', severity: 'Low' },
  ],
};

(haveTools ? describe : describe.skip)('scan policies: prevent_vul, CVE allowlists, cosign enforcement', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let registry: string;
  let work: string;
  let registration: string;
  let appDigest: string;
  const admin = `${TEST_ADMIN.username}:${TEST_ADMIN.password}`;

  async function manage(method: string, path: string, body?: unknown, who: Credentials = TEST_ADMIN): Promise<{ status: number; json: any }> {
    const response = await fetch(`${api.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: basicAuth(who), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  async function manifest(method: 'GET' | 'HEAD', repository: string, reference: string, who: Credentials = TEST_ADMIN): Promise<{ status: number; json: any }> {
    const response = await fetch(`${api.url}/v2/${repository}/manifests/${reference}`, { method, headers: { authorization: basicAuth(who), accept: ACCEPT } });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  /** pushes a fresh one-layer image and returns its digest */
  async function push(repository: string, tag: string): Promise<string> {
    const layout = join(work, `${repository.replace(/\//g, '_')}-${tag}`);
    buildImageLayout(layout, 'img', 1);
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', admin, `oci:${layout}:img`, `docker://${registry}/${repository}:${tag}`]);
    return rawManifestDigest(`oci:${layout}:img`);
  }

  async function pull(repository: string, tag: string, creds = admin): Promise<void> {
    const target = mkdtempSync(join(work, 'pull-'));
    await skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${registry}/${repository}:${tag}`, `oci:${target}:img`]);
  }

  async function writeReport(digest: string, report: object | null, status = 'Success'): Promise<void> {
    await db.query(
      `INSERT INTO scan_report (digest, registration_uuid, mime_type, scan_status, report, severity, summary, start_time, end_time, report_time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now(), now())
       ON CONFLICT (digest, registration_uuid, mime_type) DO UPDATE SET scan_status = EXCLUDED.scan_status, report = EXCLUDED.report, severity = EXCLUDED.severity, summary = EXCLUDED.summary`,
      [digest, registration, VULNERABILITY_REPORT_V11, status, report && JSON.stringify(report), report ? 'Critical' : null, report ? JSON.stringify({ total: 3, fixable: 2, summary: { Critical: 1, High: 1, Low: 1 } }) : null],
    );
  }

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    registry = api.url.replace('http://', '');
    work = mkdtempSync(join(tmpdir(), 'wharf-scan-policies-'));
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    // a scanner is configured (libs/scanners owns the table; its API comes with scan-core)
    const rows = await db.query<{ uuid: string }>(
      `INSERT INTO scanner_registration (uuid, url, name, is_default) VALUES (gen_random_uuid()::text, 'http://127.0.0.1:1/adapter', 'test scanner', true) RETURNING uuid`,
    );
    registration = rows.rows[0].uuid;
    expect((await manage('POST', '/projects', { project_name: 'guarded', metadata: { prevent_vul: 'true', severity: 'high' } })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
    await environment?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses a pull of an artifact not scanned yet (HEAD still answers)', async () => {
    appDigest = await push('guarded/app', 'v1');
    const refused = await manifest('GET', 'guarded/app', 'v1');
    expect(refused.status).toBe(412);
    expect(refused.json.errors[0].code).toBe('PROJECTPOLICYVIOLATION');
    expect(refused.json.errors[0].message).toMatch(/without vulnerability scanning cannot be pulled .*"High" or higher/);
    expect((await manifest('HEAD', 'guarded/app', 'v1')).status).toBe(200);
    await expect(pull('guarded/app', 'v1')).rejects.toThrow(/not scanned|without vulnerability scanning/);
  });

  it('refuses a pull while the first scan runs, and a vulnerable artifact with its counts', async () => {
    const digest = appDigest;
    await writeReport(digest, null, 'Running');
    expect((await manifest('GET', 'guarded/app', 'v1')).json.errors[0].message).toMatch(/'Running status of vulnerability scanning' cannot be pulled/);
    await writeReport(digest, REPORT);
    const refused = await manifest('GET', 'guarded/app', digest);
    expect(refused.status).toBe(412);
    expect(refused.json.errors[0].message).toMatch(/current image with 2 vulnerabilities cannot be pulled .*1 Critical, 1 High/);
    await expect(pull('guarded/app', 'v1')).rejects.toThrow(/2 vulnerabilities cannot be pulled/);
  });

  it('lets it through once the system allowlist names the CVEs, and not once that allowlist expired', async () => {
    const items = [{ cve_id: 'CVE-2023-0286' }, { cve_id: 'CVE-2022-37434' }];
    expect((await manage('PUT', '/system/CVEAllowlist', { items: [{ cve_id: 'CVE-2023-0286' }] })).status).toBe(200);
    expect((await manifest('GET', 'guarded/app', 'v1')).json.errors[0].message).toMatch(/1 vulnerability cannot be pulled .*1 Critical/);
    expect((await manage('PUT', '/system/CVEAllowlist', { items, expires_at: null })).status).toBe(200);
    const shown = await manage('GET', '/system/CVEAllowlist');
    expect(shown.json).toMatchObject({ project_id: 0, expires_at: null, items });
    await pull('guarded/app', 'v1');
    expect((await manage('PUT', '/system/CVEAllowlist', { items, expires_at: Math.floor(Date.now() / 1000) - 60 })).status).toBe(200);
    expect((await manifest('GET', 'guarded/app', 'v1')).json.errors[0].message).toMatch(/2 vulnerabilities .*has expired/);
    expect((await manage('PUT', '/system/CVEAllowlist', { items: [{ cve_id: 'CVE-1' }, { cve_id: 'CVE-1' }] })).status).toBe(400);
  });

  it('a project allowlist in force (reuse_sys_cve_allowlist false) lets it through until it expires', async () => {
    const items = [{ cve_id: 'CVE-2023-0286' }, { cve_id: 'CVE-2022-37434' }];
    expect((await manage('PUT', '/projects/guarded', { metadata: { reuse_sys_cve_allowlist: 'false' }, cve_allowlist: { items, expires_at: Math.floor(Date.now() / 1000) + 3600 } })).status).toBe(200);
    expect((await manage('GET', '/projects/guarded')).json.cve_allowlist).toMatchObject({ items });
    await pull('guarded/app', 'v1');
    expect((await manage('PUT', '/projects/guarded', { cve_allowlist: { items, expires_at: Math.floor(Date.now() / 1000) - 1 } })).status).toBe(200);
    await expect(pull('guarded/app', 'v1')).rejects.toThrow(/2 vulnerabilities cannot be pulled/);
  });

  it("exempts the scan jobs' robots, not other robots", async () => {
    const robot = async (name: string) => {
      const created = await manage('POST', '/robots', { name, level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: 'guarded', access: [{ resource: 'repository', action: 'pull' }] }] });
      expect(created.status).toBe(201);
      return `${created.json.name}:${created.json.secret}`;
    };
    // a scan job's robot, made as scan-core makes it (the robot API keeps the prefix for scan jobs)
    const project = (await manage('GET', '/projects/guarded')).json.project_id as number;
    const scanRobot = await api.app.get(RobotService).create(
      { name: `${SCAN_ROBOT_PREFIX}1`, level: 'project', project: { id: project, name: 'guarded' }, duration: -1, permissions: [{ kind: 'project', namespace: 'guarded', access: [{ resource: 'repository', action: 'pull' }] }] },
      'admin',
    );
    await pull('guarded/app', 'v1', `${scanRobot.robot.name}:${scanRobot.secret}`);
    await expect(pull('guarded/app', 'v1', await robot('puller'))).rejects.toThrow(/2 vulnerabilities cannot be pulled/);
    const reserved = await manage('POST', '/robots', { name: `${SCAN_ROBOT_PREFIX}7`, level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: 'guarded', access: [{ resource: 'repository', action: 'pull' }] }] });
    expect(reserved.status).toBe(400);
    expect(reserved.json.errors[0].message).toMatch(/reserved for scan jobs/);
  });

  it('refuses an unsigned artifact under enable_content_trust_cosign, and serves it once a cosign signature is pushed', async () => {
    expect((await manage('POST', '/projects', { project_name: 'signed', metadata: { enable_content_trust_cosign: 'true' } })).status).toBe(201);
    const digest = await push('signed/app', 'v1');
    const refused = await manifest('GET', 'signed/app', 'v1');
    expect(refused.status).toBe(412);
    expect(refused.json.errors[0]).toMatchObject({ code: 'PROJECTPOLICYVIOLATION' });
    expect(refused.json.errors[0].message).toMatch(/not signed by cosign/);
    await expect(pull('signed/app', 'v1')).rejects.toThrow(/not signed by cosign/);
    // cosign's default: the signature is an image tagged after the subject's digest
    await push('signed/app', `${digest.replace(':', '-')}.sig`);
    await pull('signed/app', 'v1');
    expect((await manifest('GET', 'signed/app', digest)).status).toBe(200);
  });

  it('judges an index by its image children, and a signed index lets its children be pulled by digest', async () => {
    expect((await manage('POST', '/projects', { project_name: 'indexed', metadata: { prevent_vul: 'true', severity: 'high', reuse_sys_cve_allowlist: 'false', enable_content_trust_cosign: 'true' } })).status).toBe(201);
    const layout = join(work, 'multi');
    const indexDigest = buildMultiArchLayout(layout, 'multi');
    await skopeo(['copy', '--all', '--dest-tls-verify=false', '--dest-creds', admin, `oci:${layout}:multi`, `docker://${registry}/indexed/app:v1`]);
    const children = (JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] }).manifests;
    const child = (arch: string) => children.find((m) => m.annotations['org.opencontainers.image.ref.name'] === arch)!.digest;
    // signed (the index), both children scanned, arm64 vulnerable
    await push('indexed/app', `${indexDigest.replace(':', '-')}.sig`);
    await writeReport(child('amd64'), { ...REPORT, vulnerabilities: [REPORT.vulnerabilities[2]] });
    await writeReport(child('arm64'), REPORT);
    const refused = await manifest('GET', 'indexed/app', 'v1');
    expect(refused.status).toBe(412);
    expect(refused.json.errors[0].message).toMatch(/current image with 2 vulnerabilities cannot be pulled/);
    // the clean child, by digest: signed through its index, no vulnerability at or above High
    expect((await manifest('GET', 'indexed/app', child('amd64'))).status).toBe(200);
    expect((await manifest('GET', 'indexed/app', child('arm64'))).status).toBe(412);
    expect((await manage('PUT', '/projects/indexed', { cve_allowlist: { items: [{ cve_id: 'CVE-2023-0286' }, { cve_id: 'CVE-2022-37434' }] } })).status).toBe(200);
    expect((await manifest('GET', 'indexed/app', 'v1')).status).toBe(200);
  });

  (dockerHost ? describe : describe.skip)('with docker', () => {
    const host = dockerHost as string;

    it('docker pull is refused with the message, then allowed once the CVEs are allowlisted', async () => {
      expect((await manage('POST', '/projects', { project_name: 'dockguard', metadata: { prevent_vul: 'true', severity: 'critical', reuse_sys_cve_allowlist: 'false' } })).status).toBe(201);
      const digest = await push('dockguard/app', 'v1');
      await writeReport(digest, REPORT);
      await docker(host, ['login', registry, '-u', TEST_ADMIN.username, '--password-stdin'], { input: TEST_ADMIN.password });
      const refused = await docker(host, ['pull', `${registry}/dockguard/app:v1`], { allowFailure: true });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/current image with 1 vulnerability cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "Critical" or higher/);
      expect((await manage('PUT', '/projects/dockguard', { cve_allowlist: { items: [{ cve_id: 'CVE-2022-37434' }] } })).status).toBe(200);
      await docker(host, ['pull', `${registry}/dockguard/app:v1`]);
      await docker(host, ['rmi', '-f', `${registry}/dockguard/app:v1`], { allowFailure: true });
    });
  });
});
