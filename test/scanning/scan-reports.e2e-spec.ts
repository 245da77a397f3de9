import { SqlClient } from '@wharf/db';
import { HARBOR_SBOM_ARTIFACT_TYPE, HARBOR_VULNERABILITY_REPORT_V10, SBOM_REPORT, VULNERABILITY_REPORT_V11 } from '@wharf/scanning';
import { randomBytes, randomUUID } from 'node:crypto';
import { callApi, errorCodeOf, type ApiAnswer, type ApiCallOptions } from '../support/management-api';
import { RegistryClient, sha256, type Descriptor } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const SCANNER = { name: 'Wharf Scanner', vendor: 'Wharf', version: '1.0.0' };

/** A vulnerability as the adapter reports it (v1.1 adds preferred_cvss, cwe_ids, vendor_attributes). */
const vulnerability = (id: string, severity: string, fix = '', v11 = true) => ({
  id,
  package: 'openssl',
  version: '3.0.7',
  fix_version: fix,
  severity,
  description: `${id} in openssl`,
  links: [`https://osv.dev/${id}`],
  ...(v11 ? { preferred_cvss: { score_v3: 7.5 }, cwe_ids: ['CWE-476'], vendor_attributes: {} } : {}),
});

const report = (severity: string, vulnerabilities: object[], generatedAt = '2026-12-01T10:00:00Z') => ({ generated_at: generatedAt, artifact: {}, scanner: SCANNER, severity, vulnerabilities });

/**
 * Reports as artifact answers show them (Harbor's scan_overview, sbom_overview and the
 * vulnerabilities addition), read from `scan_report` rows written here in SQL exactly as the
 * contract (libs/scanning/src/scan-report.ts) describes them: the scan side writes them.
 */
describe('scan reports in artifact answers', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let sql: SqlClient;
  let registry: RegistryClient;
  let registrationUuid: string;
  const digests: Record<string, string> = {};
  const reportIds: Record<string, string> = {};

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> => callApi(api.url, method, path, options);
  const artifacts = (repository: string) => `/projects/scans/repositories/${encodeURIComponent(encodeURIComponent(repository))}/artifacts`;
  const byTag = (list: any[], tag: string) => list.find((a) => a.tags?.some((t: any) => t.name === tag));

  async function insertReport(digest: string, mimeType: string, row: { status: string; start?: string; end?: string; report?: object | null; severity?: string | null; summary?: object | null; registration?: string }): Promise<string> {
    const uuid = randomUUID();
    await sql.query(
      `INSERT INTO scan_report (uuid, digest, registration_uuid, mime_type, scan_status, start_time, end_time, report, severity, summary, scanner, report_time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $8::jsonb IS NULL THEN NULL ELSE now() END)`,
      [
        uuid,
        digest,
        row.registration ?? registrationUuid,
        mimeType,
        row.status,
        row.start ?? null,
        row.end ?? null,
        row.report ? JSON.stringify(row.report) : null,
        row.severity ?? null,
        row.summary ? JSON.stringify(row.summary) : null,
        row.report ? JSON.stringify(SCANNER) : null,
      ],
    );
    return uuid;
  }

  async function pushPlatformImage(repository: string, architecture: string): Promise<{ digest: string; size: number }> {
    const config = { ...(await registry.pushBlob(repository, Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })))), mediaType: 'application/vnd.oci.image.config.v1+json' };
    const layer = { ...(await registry.pushBlob(repository, randomBytes(500))), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }));
    expect((await registry.pushManifest(repository, sha256(manifest), manifest, OCI_MANIFEST)).status).toBe(201);
    return { digest: sha256(manifest), size: manifest.length };
  }

  /** The SBOM accessory a scan pushes: an OCI manifest of artifact type `application/vnd.goharbor.harbor.sbom.v1` whose subject is the image. */
  async function pushSbomAccessory(repository: string, subject: { digest: string; size: number }): Promise<string> {
    const config: Descriptor = { ...(await registry.pushBlob(repository, Buffer.from('{}'))), mediaType: EMPTY };
    const sbom: Descriptor = { ...(await registry.pushBlob(repository, Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'sbom' })))), mediaType: 'application/spdx+json' };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: HARBOR_SBOM_ARTIFACT_TYPE, config, layers: [sbom], subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.size } }));
    const response = await registry.pushManifest(repository, sha256(manifest), manifest, OCI_MANIFEST);
    expect(response.status).toBe(201);
    expect(response.headers.get('oci-subject')).toBe(subject.digest);
    return sha256(manifest);
  }

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
    sql = api.app.get(SqlClient);
    registry = new RegistryClient(api.url);
    expect((await call('POST', '/projects', { body: { project_name: 'scans', metadata: { public: 'false' } } })).status).toBe(201);
    const [existing] = await sql.query<{ uuid: string }>(`SELECT uuid FROM scanner_registration WHERE is_default`);
    registrationUuid = existing?.uuid ?? randomUUID();
    if (!existing) await sql.query(`INSERT INTO scanner_registration (uuid, name, url, is_default) VALUES ($1, 'default-scanner', 'http://127.0.0.1:5997', true)`, [registrationUuid]);

    for (const tag of ['scanned', 'rescanning', 'failed', 'never', 'v11-only']) digests[tag] = (await registry.pushImage('scans/app', tag, { layers: 1 })).digest;

    // scanned: a v1.1 and a v1.0 report (the adapter produced both)
    const v11 = report('High', [vulnerability('CVE-2023-0286', 'High', '3.0.8'), vulnerability('CVE-2023-0001', 'Medium'), vulnerability('CVE-2023-0002', 'Low', '3.0.9')]);
    const v10 = report('High', [vulnerability('CVE-2023-0286', 'High', '3.0.8', false), vulnerability('CVE-2023-0001', 'Medium', '', false), vulnerability('CVE-2023-0002', 'Low', '3.0.9', false)]);
    const summary = { total: 3, fixable: 2, summary: { High: 1, Medium: 1, Low: 1 } };
    const times = { start: '2026-12-01T10:00:00Z', end: '2026-12-01T10:00:42Z' };
    reportIds.scanned = await insertReport(digests.scanned, VULNERABILITY_REPORT_V11, { status: 'Success', ...times, report: v11, severity: 'High', summary });
    reportIds.scannedV10 = await insertReport(digests.scanned, HARBOR_VULNERABILITY_REPORT_V10, { status: 'Success', ...times, report: v10, severity: 'High', summary });
    // rescanning: the last good report (Critical) stays while a new run is under way
    const critical = report('Critical', [vulnerability('CVE-2024-9999', 'Critical')]);
    reportIds.rescanning = await insertReport(digests.rescanning, VULNERABILITY_REPORT_V11, {
      status: 'Running',
      start: '2026-12-02T08:00:00Z',
      report: critical,
      severity: 'Critical',
      summary: { total: 1, fixable: 0, summary: { Critical: 1 } },
    });
    // failed: the only run ended in error, no report ever
    reportIds.failed = await insertReport(digests.failed, VULNERABILITY_REPORT_V11, { status: 'Error', start: '2026-12-02T09:00:00Z', end: '2026-12-02T09:00:05Z' });
    // v11-only: the adapter produced only v1.1
    reportIds.v11only = await insertReport(digests['v11-only'], VULNERABILITY_REPORT_V11, { status: 'Success', ...times, report: v11, severity: 'High', summary });
    // a report of another registration is not this project's
    await insertReport(digests.never, VULNERABILITY_REPORT_V11, { status: 'Success', ...times, report: critical, severity: 'Critical', summary: { total: 1, fixable: 0, summary: { Critical: 1 } }, registration: randomUUID() });
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  it('lists scan overviews with Harbor field names: scanned, rescan under way (old report in force), failed, never scanned', async () => {
    const answer = await call('GET', `${artifacts('app')}?with_scan_overview=true&page_size=50`);
    expect(answer.status).toBe(200);
    const scanned = byTag(answer.json, 'scanned');
    expect(scanned.scan_overview).toEqual({
      [VULNERABILITY_REPORT_V11]: {
        report_id: reportIds.scanned,
        scan_status: 'Success',
        severity: 'High',
        duration: 42,
        summary: { total: 3, fixable: 2, summary: { High: 1, Medium: 1, Low: 1 } },
        start_time: '2026-12-01T10:00:00.000Z',
        end_time: '2026-12-01T10:00:42.000Z',
        complete_percent: 100,
        scanner: SCANNER,
      },
    });
    const rescanning = byTag(answer.json, 'rescanning').scan_overview[VULNERABILITY_REPORT_V11];
    expect(rescanning).toMatchObject({ report_id: reportIds.rescanning, scan_status: 'Running', severity: 'Critical', summary: { total: 1, fixable: 0, summary: { Critical: 1 } }, complete_percent: 0 });
    expect(rescanning.end_time).toBeUndefined();
    const failed = byTag(answer.json, 'failed').scan_overview[VULNERABILITY_REPORT_V11];
    expect(failed).toEqual({ report_id: reportIds.failed, scan_status: 'Error', duration: 5, start_time: '2026-12-02T09:00:00.000Z', end_time: '2026-12-02T09:00:05.000Z', complete_percent: 0 });
    // never scanned by this project's scanner (another registration's row does not count)
    expect(byTag(answer.json, 'never')).not.toHaveProperty('scan_overview');

    const plain = await call('GET', `${artifacts('app')}?page_size=50`);
    expect(plain.json.every((a: any) => a.scan_overview === undefined && a.sbom_overview === undefined)).toBe(true);
    const one = await call('GET', `${artifacts('app')}/rescanning?with_scan_overview=true`);
    expect(one.json.scan_overview[VULNERABILITY_REPORT_V11].severity).toBe('Critical');
  });

  it('keys the overview by the first report type X-Accept-Vulnerabilities names that has a report', async () => {
    const v10 = await call('GET', `${artifacts('app')}/scanned?with_scan_overview=true`, { headers: { 'X-Accept-Vulnerabilities': HARBOR_VULNERABILITY_REPORT_V10 } });
    expect(Object.keys(v10.json.scan_overview)).toEqual([HARBOR_VULNERABILITY_REPORT_V10]);
    expect(v10.json.scan_overview[HARBOR_VULNERABILITY_REPORT_V10].report_id).toBe(reportIds.scannedV10);
    const both = await call('GET', `${artifacts('app')}/scanned?with_scan_overview=true`, { headers: { 'X-Accept-Vulnerabilities': `${HARBOR_VULNERABILITY_REPORT_V10}, ${VULNERABILITY_REPORT_V11}` } });
    expect(Object.keys(both.json.scan_overview)).toEqual([HARBOR_VULNERABILITY_REPORT_V10]);
    const defaults = await call('GET', `${artifacts('app')}/scanned?with_scan_overview=true`);
    expect(Object.keys(defaults.json.scan_overview)).toEqual([VULNERABILITY_REPORT_V11]);
  });

  it('answers the vulnerabilities addition for each X-Accept-Vulnerabilities choice', async () => {
    const addition = (tag: string, accept?: string) => call('GET', `${artifacts('app')}/${tag}/additions/vulnerabilities`, accept ? { headers: { 'X-Accept-Vulnerabilities': accept } } : {});

    const defaults = await addition('scanned');
    expect(defaults.status).toBe(200);
    expect(defaults.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(defaults.json)).toEqual([VULNERABILITY_REPORT_V11]);
    expect(defaults.json[VULNERABILITY_REPORT_V11].vulnerabilities[0]).toMatchObject({ id: 'CVE-2023-0286', severity: 'High', fix_version: '3.0.8', cwe_ids: ['CWE-476'] });

    const v10 = await addition('scanned', HARBOR_VULNERABILITY_REPORT_V10);
    expect(Object.keys(v10.json)).toEqual([HARBOR_VULNERABILITY_REPORT_V10]);
    expect(v10.json[HARBOR_VULNERABILITY_REPORT_V10].vulnerabilities[0]).not.toHaveProperty('cwe_ids');

    // the client's order decides; spacing around ";" does not matter
    const ordered = await addition('scanned', `application/vnd.scanner.adapter.vuln.report.harbor+json;version=1.0,${VULNERABILITY_REPORT_V11}`);
    expect(Object.keys(ordered.json)).toEqual([HARBOR_VULNERABILITY_REPORT_V10]);
    const v11 = await addition('scanned', VULNERABILITY_REPORT_V11);
    expect(Object.keys(v11.json)).toEqual([VULNERABILITY_REPORT_V11]);
    // an unknown type: Harbor's default
    expect(Object.keys((await addition('scanned', 'application/json')).json)).toEqual([VULNERABILITY_REPORT_V11]);

    // only a v1.1 report: a v1.0 client gets it in the v1.0 shape
    const converted = await addition('v11-only', HARBOR_VULNERABILITY_REPORT_V10);
    expect(Object.keys(converted.json)).toEqual([HARBOR_VULNERABILITY_REPORT_V10]);
    expect(converted.json[HARBOR_VULNERABILITY_REPORT_V10].vulnerabilities.map((v: any) => Object.keys(v).sort())[0]).toEqual(['description', 'fix_version', 'id', 'links', 'package', 'severity', 'version']);

    // a rescan under way: the last report stays in force
    expect((await addition('rescanning')).json[VULNERABILITY_REPORT_V11].severity).toBe('Critical');
    // no report (yet): {}
    expect((await addition('failed')).json).toEqual({});
    expect((await addition('never')).json).toEqual({});
    expect((await addition('missing')).status).toBe(404);
  });

  it('follows the project scanner (the default one when it is disabled), and answers 404 when the project has none', async () => {
    const [project] = await sql.query<{ project_id: number }>(`SELECT project_id FROM project WHERE name = 'scans'`);
    const other = randomUUID();
    await sql.query(`INSERT INTO scanner_registration (uuid, name, url, disabled) VALUES ($1, 'other-scanner', 'http://127.0.0.1:5996', false)`, [other]);
    await sql.query(`INSERT INTO project_metadata (project_id, name, value) VALUES ($1, 'projectScanner', $2)`, [project.project_id, other]);
    try {
      // the project's scanner has no report of `scanned`
      expect((await call('GET', `${artifacts('app')}/scanned?with_scan_overview=true`)).json).not.toHaveProperty('scan_overview');
      const uuid = await insertReport(digests.scanned, VULNERABILITY_REPORT_V11, { status: 'Success', report: report('None', []), severity: 'None', summary: { total: 0, fixable: 0, summary: {} }, registration: other });
      const overview = (await call('GET', `${artifacts('app')}/scanned?with_scan_overview=true`)).json.scan_overview[VULNERABILITY_REPORT_V11];
      expect(overview).toMatchObject({ report_id: uuid, severity: 'None', summary: { total: 0, fixable: 0, summary: {} } });

      // the project's scanner disabled: the default one answers again
      await sql.query(`UPDATE scanner_registration SET disabled = true WHERE uuid = $1`, [other]);
      expect((await call('GET', `${artifacts('app')}/scanned?with_scan_overview=true`)).json.scan_overview[VULNERABILITY_REPORT_V11].report_id).toBe(reportIds.scanned);
      // and the default one disabled too: no scanner at all
      await sql.query(`UPDATE scanner_registration SET disabled = true WHERE uuid = $1`, [registrationUuid]);
      const none = await call('GET', `${artifacts('app')}/scanned/additions/vulnerabilities`);
      expect(none.status).toBe(404);
      expect(errorCodeOf(none)).toBe('NOT_FOUND');
      expect(none.json.errors[0].message).toBe(`no scanner registration configured for project: ${project.project_id}`);
      // and the artifact answers simply have no overview
      expect((await call('GET', `${artifacts('app')}/scanned?with_scan_overview=true`)).json).not.toHaveProperty('scan_overview');
    } finally {
      await sql.query(`UPDATE scanner_registration SET disabled = false WHERE uuid = $1`, [registrationUuid]);
      await sql.query(`DELETE FROM project_metadata WHERE project_id = $1 AND name = 'projectScanner'`, [project.project_id]);
    }
  });

  it('reports an index through its children, as Harbor merges them', async () => {
    const amd = await pushPlatformImage('scans/multi', 'amd64');
    const arm = await pushPlatformImage('scans/multi', 'arm64');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: amd.digest, size: amd.size, platform: { architecture: 'amd64', os: 'linux' } },
          { mediaType: OCI_MANIFEST, digest: arm.digest, size: arm.size, platform: { architecture: 'arm64', os: 'linux' } },
        ],
      }),
    );
    expect((await registry.pushManifest('scans/multi', 'v1', index, OCI_INDEX)).status).toBe(201);

    // one child scanned: no overview for the index yet (Harbor reports an index once every child is)
    const amdId = await insertReport(amd.digest, VULNERABILITY_REPORT_V11, {
      status: 'Success',
      start: '2026-12-01T10:00:00Z',
      end: '2026-12-01T10:00:10Z',
      report: report('High', [vulnerability('CVE-2023-0286', 'High', '3.0.8'), vulnerability('CVE-2023-0001', 'Medium')]),
      severity: 'High',
      summary: { total: 2, fixable: 1, summary: { High: 1, Medium: 1 } },
    });
    expect((await call('GET', `${artifacts('multi')}/v1?with_scan_overview=true`)).json).not.toHaveProperty('scan_overview');
    expect((await call('GET', `${artifacts('multi')}/v1/additions/vulnerabilities`)).json).toEqual({});

    const armId = await insertReport(arm.digest, VULNERABILITY_REPORT_V11, {
      status: 'Success',
      start: '2026-12-01T10:00:05Z',
      end: '2026-12-01T10:00:30Z',
      // CVE-2023-0286 in the same package and version counts once
      report: report('Critical', [vulnerability('CVE-2023-0286', 'High', '3.0.8'), vulnerability('CVE-2024-1111', 'Critical', '1.2')], '2026-12-01T10:00:30Z'),
      severity: 'Critical',
      summary: { total: 2, fixable: 2, summary: { High: 1, Critical: 1 } },
    });
    const listed = await call('GET', `${artifacts('multi')}?with_scan_overview=true`);
    const indexAnswer = listed.json.find((a: any) => a.manifest_media_type === OCI_INDEX);
    expect(indexAnswer.scan_overview[VULNERABILITY_REPORT_V11]).toEqual({
      report_id: Buffer.from(`${amdId}|${armId}`).toString('base64'),
      scan_status: 'Success',
      severity: 'Critical',
      duration: 30,
      summary: { total: 3, fixable: 2, summary: { High: 1, Medium: 1, Critical: 1 } },
      start_time: '2026-12-01T10:00:00.000Z',
      end_time: '2026-12-01T10:00:30.000Z',
      complete_percent: 100,
      scanner: SCANNER,
    });
    const merged = (await call('GET', `${artifacts('multi')}/v1/additions/vulnerabilities`)).json[VULNERABILITY_REPORT_V11];
    expect(merged.severity).toBe('Critical');
    expect(merged.vulnerabilities.map((v: any) => v.id).sort()).toEqual(['CVE-2023-0001', 'CVE-2023-0286', 'CVE-2024-1111']);

    // an index with a child a scan does not take (not an image): reported through its image child alone
    const config: Descriptor = { ...(await registry.pushBlob('scans/multi', Buffer.from('{}'))), mediaType: EMPTY };
    const blob: Descriptor = { ...(await registry.pushBlob('scans/multi', randomBytes(100))), mediaType: 'application/octet-stream' };
    const other = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.example.thing', config, layers: [blob] }));
    expect((await registry.pushManifest('scans/multi', sha256(other), other, OCI_MANIFEST)).status).toBe(201);
    const mixed = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: amd.digest, size: amd.size, platform: { architecture: 'amd64', os: 'linux' } },
          { mediaType: OCI_MANIFEST, digest: sha256(other), size: other.length, platform: { architecture: 'unknown', os: 'unknown' } },
        ],
      }),
    );
    expect((await registry.pushManifest('scans/multi', 'mixed', mixed, OCI_INDEX)).status).toBe(201);
    expect((await call('GET', `${artifacts('multi')}/mixed?with_scan_overview=true`)).json.scan_overview[VULNERABILITY_REPORT_V11]).toMatchObject({ report_id: amdId, severity: 'High', complete_percent: 100 });
    expect(Object.keys((await call('GET', `${artifacts('multi')}/mixed/additions/vulnerabilities`)).json)).toEqual([VULNERABILITY_REPORT_V11]);

    // a child's rescan under way: the index is Running, its children's last reports in force
    await sql.query(`UPDATE scan_report SET scan_status = 'Running', end_time = NULL WHERE uuid = $1`, [armId]);
    const running = (await call('GET', `${artifacts('multi')}/v1?with_scan_overview=true`)).json.scan_overview[VULNERABILITY_REPORT_V11];
    expect(running).toMatchObject({ scan_status: 'Running', severity: 'Critical', complete_percent: 50 });
  });

  it('shows the SBOM overview, lists the SBOM accessory and deletes it with its subject', async () => {
    const image = await registry.pushImage('scans/sbom-app', 'v1', { layers: 1 });
    const subject = { digest: image.digest, size: image.manifest.length };
    const sbomDigest = await pushSbomAccessory('scans/sbom-app', subject);
    const sbomId = await insertReport(image.digest, SBOM_REPORT, {
      status: 'Success',
      start: '2026-12-03T10:00:00Z',
      end: '2026-12-03T10:00:07Z',
      report: { sbom_digest: sbomDigest, scanner: SCANNER },
    });

    const answer = await call('GET', `${artifacts('sbom-app')}?with_sbom_overview=true&with_accessory=true`);
    expect(answer.status).toBe(200);
    const listed = byTag(answer.json, 'v1');
    expect(listed.sbom_overview).toEqual({
      report_id: sbomId,
      scan_status: 'Success',
      sbom_digest: sbomDigest,
      duration: 7,
      start_time: '2026-12-03T10:00:00.000Z',
      end_time: '2026-12-03T10:00:07.000Z',
      scanner: SCANNER,
    });
    expect(listed).not.toHaveProperty('scan_overview');
    expect(listed.accessories).toEqual([expect.objectContaining({ digest: sbomDigest, type: 'harbor.sbom', subject_artifact_digest: image.digest, subject_artifact_id: listed.id })]);

    // an SBOM row that does not name its accessory: the subject's SBOM accessory answers
    await sql.query(`UPDATE scan_report SET report = '{}'::jsonb WHERE uuid = $1`, [sbomId]);
    expect((await call('GET', `${artifacts('sbom-app')}/v1?with_sbom_overview=true`)).json.sbom_overview.sbom_digest).toBe(sbomDigest);

    // deleting the subject deletes its SBOM
    expect((await call('DELETE', `${artifacts('sbom-app')}/v1`)).status).toBe(200);
    expect((await call('GET', `${artifacts('sbom-app')}/${sbomDigest}`)).status).toBe(404);
    expect((await registry.fetch(`/v2/scans/sbom-app/manifests/${sbomDigest}`, { headers: { accept: OCI_MANIFEST } })).status).toBe(404);
    const [{ count }] = await sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM artifact WHERE digest = ANY($1::text[])`, [[sbomDigest, image.digest]]);
    expect(count).toBe(0);
  });
});
