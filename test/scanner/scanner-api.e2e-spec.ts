/**
 * The scanner process (apps/scanner) as Harbor meets it: the pluggable scanner API v1.1/v1.2
 * against a real Wharf holding test images. Every status path of the API, reports validated
 * against the spec's schemas, gzip/zstd/uncompressed layers, an index scanned per platform,
 * Basic and Bearer registry authorization, wrong credentials.
 *
 * The scanner runs with the TEST-ONLY engines of test/support/scanner-test-engines.ts (a tiny
 * dpkg/apk reader and a matcher of exact versions from fixtures/advisories.json) until the real
 * inventory and OSV database land; what is proven here is the adapter around them.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { callApi } from '../support/management-api';
import { RegistryClient } from '../support/registry-client';
import { startScannerProcess, type ScannerProcess } from '../support/scanner-process';
import { DEBIAN_11_OS_RELEASE, dpkgEntry, machineDpkgEntries, pushTestImage, pushTestIndex, type PushedImage } from '../support/scanner-images';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { specErrors } from './spec-schemas';

jest.setTimeout(180_000);

const V11 = 'application/vnd.security.vulnerability.report; version=1.1';
const V10 = 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0';
const SBOM = 'application/vnd.security.sbom.report+json; version=1.0';
const REQUEST_TYPE = 'application/vnd.scanner.adapter.scan.request+json; version=1.1';
const ERROR_TYPE = 'application/vnd.scanner.adapter.error+json; version=1.0';

let environment: TestEnvironment;
let wharf: RunningApi;
let scanner: ScannerProcess;
let debian: PushedImage;
let alpine: PushedImage;
let indexDigest: string;
let amd64: PushedImage;
let arm64: PushedImage;

const admin = basicAuth(TEST_ADMIN);

function scanBody(repository: string, digest: string, extra: Record<string, unknown> = {}, authorization: string | null = admin): Record<string, unknown> {
  return { registry: { url: wharf.url, ...(authorization ? { authorization } : {}) }, artifact: { repository, digest, mime_type: 'application/vnd.oci.image.manifest.v1+json' }, ...extra };
}

async function postScan(body: unknown, contentType = REQUEST_TYPE): Promise<Response> {
  return fetch(`${scanner.url}/api/v1/scan`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function acceptedScan(body: unknown): Promise<string> {
  const response = await postScan(body);
  const text = await response.text();
  expect({ status: response.status, text }).toEqual({ status: 202, text: expect.any(String) });
  expect(response.headers.get('content-type')).toBe('application/vnd.scanner.adapter.scan.response+json; version=1.0');
  const answer = JSON.parse(text) as { id: string };
  expect(specErrors('ScanResponse', answer)).toEqual([]);
  return answer.id;
}

function getReport(id: string, accept = V11, query = ''): Promise<Response> {
  return fetch(`${scanner.url}/api/v1/scan/${id}/report${query}`, { headers: { accept }, redirect: 'manual' });
}

/** Polls as Harbor does (302 + Refresh-After until 200 or 500), faster than Refresh-After says. */
async function finalReport(id: string, accept = V11, query = ''): Promise<Response> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await getReport(id, accept, query);
    if (response.status !== 302) return response;
    expect(Number(response.headers.get('refresh-after'))).toBeGreaterThan(0);
    await response.arrayBuffer();
    if (Date.now() > deadline) throw new Error(`scan ${id} still running:\n${scanner.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function expectError(response: Response, status: number, message: RegExp): Promise<void> {
  const text = await response.text();
  expect({ status: response.status, text }).toEqual({ status, text: expect.any(String) });
  expect(response.headers.get('content-type')).toBe(ERROR_TYPE);
  const body = JSON.parse(text) as unknown;
  expect(specErrors('ErrorResponse', body)).toEqual([]);
  expect(body).toEqual({ error: { message: expect.stringMatching(message) } });
}

beforeAll(async () => {
  environment = await createTestEnvironment();
  wharf = await startApi(environment);
  expect((await callApi(wharf.url, 'POST', '/projects', { body: { project_name: 'scans', public: false } })).status).toBe(201);
  const client = new RegistryClient(wharf.url);
  const machine = machineDpkgEntries(['base-files', 'bash', 'coreutils', 'tar', 'libc6', 'dpkg']);
  const debianStatus = [
    ...machine,
    dpkgEntry('openssl', '1.1.1n-0+deb11u3'),
    dpkgEntry('libssl1.1', '1.1.1n-0+deb11u3', 'openssl'),
    // the fixed version: must not be reported
    dpkgEntry('zlib1g', '1:1.2.11.dfsg-2+deb11u2', 'zlib'),
  ].join('\n\n');
  debian = await pushTestImage(client, 'scans/debian', 'gzip', [
    { compression: 'gzip', files: { 'etc/os-release': DEBIAN_11_OS_RELEASE, 'var/lib/dpkg/status': `${debianStatus}\n` } },
    { compression: 'none', files: { 'app/hello.txt': 'hello\n' } },
  ]);
  alpine = await pushTestImage(client, 'scans/alpine', 'zstd', [
    {
      compression: 'zstd',
      files: { 'etc/os-release': 'ID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\n', 'lib/apk/db/installed': 'P:busybox\nV:1.36.0-r9\nA:x86_64\n\nP:musl\nV:1.2.4-r2\nA:x86_64\n\n' },
    },
  ]);
  amd64 = await pushTestImage(client, 'scans/multi', 'amd64', [
    { compression: 'gzip', files: { 'etc/os-release': DEBIAN_11_OS_RELEASE, 'var/lib/dpkg/status': `${dpkgEntry('libssl1.1', '1.1.1n-0+deb11u3', 'openssl')}\n` } },
  ]);
  arm64 = await pushTestImage(
    client,
    'scans/multi',
    'arm64',
    [
      {
        compression: 'zstd',
        files: {
          'etc/os-release': DEBIAN_11_OS_RELEASE,
          'var/lib/dpkg/status': `${[dpkgEntry('libssl1.1', '1.1.1n-0+deb11u3', 'openssl'), dpkgEntry('libexpat1', '2.2.10-2+deb11u3', 'expat')].join('\n\n')}\n`,
        },
      },
    ],
    'arm64',
  );
  // an attestation-like entry (unknown/unknown) whose image would add busybox: it must be skipped
  const attestation = await pushTestImage(client, 'scans/multi', 'attestation', [
    { compression: 'gzip', files: { 'etc/os-release': 'ID=alpine\nVERSION_ID=3.18.4\n', 'lib/apk/db/installed': 'P:busybox\nV:1.36.0-r9\n\n' } },
  ]);
  indexDigest = await pushTestIndex(client, 'scans/multi', 'index', [amd64, arm64], attestation);
  scanner = await startScannerProcess(
    { ...environment.env, SCANNER_TEST_ADVISORIES: join(__dirname, 'fixtures', 'advisories.json'), SCANNER_REGISTRY_TIMEOUT_SECONDS: '10' },
    { testEngines: true },
  );
});

afterAll(async () => {
  if (process.env.SCANNER_DEBUG) console.log(scanner?.output());
  await scanner?.stop();
  await wharf?.close();
  await environment?.close();
});

describe('GET /api/v1/metadata', () => {
  it('names the scanner, its capabilities and properties, valid against the spec', async () => {
    const response = await fetch(`${scanner.url}/api/v1/metadata`, { headers: { accept: 'application/vnd.scanner.adapter.metadata+json; version=1.0' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.scanner.adapter.metadata+json; version=1.0');
    const metadata = (await response.json()) as Record<string, any>;
    expect(specErrors('ScannerAdapterMetadata', metadata)).toEqual([]);
    expect(metadata.scanner).toEqual({ name: 'Wharf', vendor: 'Wharf', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const vulnerability = metadata.capabilities.find((c: { type: string }) => c.type === 'vulnerability');
    expect(vulnerability.consumes_mime_types).toEqual(
      expect.arrayContaining([
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ]),
    );
    expect(vulnerability.produces_mime_types).toEqual([V11, V10]);
    const sbom = metadata.capabilities.find((c: { type: string }) => c.type === 'sbom');
    expect(sbom.produces_mime_types).toEqual([SBOM]);
    expect(sbom.additional_attributes.sbom_media_types.sort()).toEqual(['application/spdx+json', 'application/vnd.cyclonedx+json']);
    expect(metadata.properties).toMatchObject({
      'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability',
      // from VulnerabilityMatcher.databaseUpdatedAt() (the fixture's updatedAt)
      'harbor.scanner-adapter/vulnerability-database-updated-at': '2026-11-30T12:00:00.000Z',
      'harbor.scanner-adapter/registry-authorization-type': 'Bearer',
    });
  });
});

describe('POST /api/v1/scan refusals', () => {
  it('answers 400 to a body that is not JSON, or JSON of the wrong types', async () => {
    await expectError(await postScan('{"registry": '), 400, /not valid JSON/);
    await expectError(await postScan('[]'), 400, /must be a JSON object/);
    await expectError(await postScan({ registry: 'http://x', artifact: {} }), 400, /registry must be a JSON object/);
    await expectError(await postScan({ registry: { url: 42 }, artifact: {} }), 400, /registry\.url must be a string/);
    await expectError(await postScan(scanBody('scans/debian', debian.digest, { enabled_capabilities: 'sbom' })), 400, /enabled_capabilities must be an array/);
  });

  it('answers 422 to a missing or invalid field', async () => {
    await expectError(await postScan({ registry: {}, artifact: { repository: 'scans/debian', digest: debian.digest } }), 422, /missing registry\.url/);
    await expectError(await postScan({ registry: { url: 'ftp://x' }, artifact: { repository: 'scans/debian', digest: debian.digest } }), 422, /invalid registry\.url/);
    await expectError(await postScan({ registry: { url: wharf.url }, artifact: { digest: debian.digest } }), 422, /missing artifact\.repository/);
    await expectError(await postScan({ registry: { url: wharf.url }, artifact: { repository: 'scans/debian' } }), 422, /missing artifact\.digest/);
    await expectError(await postScan({ registry: { url: wharf.url }, artifact: { repository: 'scans/debian', digest: 'sha256:xyz' } }), 422, /invalid artifact\.digest/);
    await expectError(await postScan({ registry: { url: wharf.url }, artifact: { repository: '../etc', digest: debian.digest } }), 422, /invalid artifact\.repository/);
    await expectError(await postScan(scanBody('scans/debian', debian.digest, { enabled_capabilities: [{ type: 'sbom', produces_mime_types: [SBOM] }] })), 422, /missing .*sbom_media_types/);
    await expectError(
      await postScan(scanBody('scans/debian', debian.digest, { enabled_capabilities: [{ type: 'sbom', produces_mime_types: [SBOM], parameters: { sbom_media_types: ['text/plain'] } }] })),
      422,
      /unsupported SBOM media type/,
    );
  });

  it('answers 501 to a capability or media type the scanner does not have', async () => {
    await expectError(await postScan(scanBody('scans/debian', debian.digest, { enabled_capabilities: [{ type: 'malware', produces_mime_types: ['x/y'] }] })), 501, /unsupported capability "malware"/);
    await expectError(
      await postScan(scanBody('scans/debian', debian.digest, { enabled_capabilities: [{ type: 'vulnerability', produces_mime_types: ['application/vnd.scanner.adapter.vuln.report.raw'] }] })),
      501,
      /unsupported .*produces_mime_types/,
    );
    await expectError(
      await postScan({ registry: { url: wharf.url }, artifact: { repository: 'scans/debian', digest: debian.digest, mime_type: 'application/vnd.cncf.helm.config.v1+json' } }),
      501,
      /unsupported artifact\.mime_type/,
    );
    await expectError(await postScan(scanBody('scans/debian', debian.digest), 'application/vnd.scanner.adapter.scan.request+json; version=2.0'), 501, /unsupported scan request version 2\.0/);
  });
});

describe('GET /api/v1/scan/{id}/report', () => {
  it('answers 404 for a scan it does not know', async () => {
    await expectError(await getReport('7b5d6a3c-1f1e-4a8e-9a51-0c1d2e3f4a5b'), 404, /cannot find scan/);
    await expectError(await getReport('not-a-scan-id'), 404, /cannot find scan/);
  });

  it('answers 302 with Refresh-After while the scan runs, then 500 with the reason when it fails', async () => {
    // a registry that holds every request until told to answer
    const held: ServerResponse[] = [];
    let release = false;
    const slow: Server = createServer((_request: IncomingMessage, response: ServerResponse) => {
      if (release) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      held.push(response);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
    try {
      const id = await acceptedScan({ registry: { url }, artifact: { repository: 'scans/debian', digest: debian.digest } });
      const running = await getReport(id);
      expect(running.status).toBe(302);
      expect(running.headers.get('refresh-after')).toMatch(/^\d+$/);
      expect(Number(running.headers.get('refresh-after'))).toBeLessThanOrEqual(127);
      expect(running.headers.get('location')).toBe(`/api/v1/scan/${id}/report`);
      release = true;
      for (const response of held.splice(0)) response.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      await expectError(await finalReport(id), 500, /artifact not found: scans\/debian@sha256:/);
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('answers 501 to a report type it does not produce, 400 to an SBOM without its media type', async () => {
    const id = await acceptedScan(scanBody('scans/debian', debian.digest));
    await expectError(await getReport(id, 'application/vnd.scanner.adapter.vuln.report.raw'), 501, /unsupported report type/);
    await expectError(await getReport(id, SBOM), 400, /missing SBOM media type/);
    await expectError(await getReport(id, SBOM, '?sbom_media_type=text%2Fplain'), 400, /unsupported sbom_media_type/);
    // not asked for: no SBOM will ever come
    await expectError(await getReport(id, SBOM, '?sbom_media_type=application%2Fspdx%2Bjson'), 404, /was not asked for an SBOM/);
    expect((await finalReport(id)).status).toBe(200);
  });

  it('reports exactly the vulnerable packages of an image (gzip and uncompressed layers, Basic authorization), valid against the spec', async () => {
    const id = await acceptedScan(
      scanBody('scans/debian', debian.digest, {
        enabled_capabilities: [
          { type: 'vulnerability', produces_mime_types: [V11] },
          { type: 'sbom', produces_mime_types: [SBOM], parameters: { sbom_media_types: ['application/vnd.cyclonedx+json', 'application/spdx+json'] } },
        ],
      }),
    );
    const response = await finalReport(id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(V11);
    const report = (await response.json()) as Record<string, any>;
    expect(specErrors('HarborVulnerabilityReport', report)).toEqual([]);
    expect(new Date(report.generated_at).getTime()).toBeGreaterThan(Date.now() - 600_000);
    expect(report.artifact).toEqual({ repository: 'scans/debian', digest: debian.digest, mime_type: 'application/vnd.oci.image.manifest.v1+json' });
    expect(report.scanner).toEqual({ name: 'Wharf', vendor: 'Wharf', version: expect.any(String) });
    expect(report.severity).toBe('High');
    const found = report.vulnerabilities.map((v: Record<string, string>) => [v.id, v.package, v.version, v.fix_version, v.severity]).sort();
    // openssl's advisory through the binary packages' source; zlib1g is at the fixed version: not reported
    expect(found).toEqual([
      ['CVE-2023-0286', 'libssl1.1', '1.1.1n-0+deb11u3', '1.1.1n-0+deb11u4', 'High'],
      ['CVE-2023-0286', 'openssl', '1.1.1n-0+deb11u3', '1.1.1n-0+deb11u4', 'High'],
    ]);
    const item = report.vulnerabilities.find((v: { package: string }) => v.package === 'openssl');
    expect(item).toMatchObject({
      description: 'X.400 address type confusion in X.509 GeneralName',
      links: ['https://osv.dev/vulnerability/DSA-5343-1', 'https://www.openssl.org/news/secadv/20230207.txt'],
      layer: { digest: debian.layerDigests[0], diff_id: debian.diffIds[0] },
      preferred_cvss: { score_v3: 7.4, vector_v3: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H' },
      cwe_ids: ['CWE-843'],
      vendor_attributes: { advisory_id: 'DSA-5343-1', ecosystem: 'debian', package_path: '/var/lib/dpkg/status', platforms: ['linux/amd64'] },
    });

    // the older report type, asked for with Accept: the same findings without v1.1's fields
    const v10 = await finalReport(id, V10);
    expect(v10.headers.get('content-type')).toBe(V10);
    const older = (await v10.json()) as Record<string, any>;
    expect(specErrors('HarborVulnerabilityReport', older)).toEqual([]);
    expect(older.vulnerabilities).toHaveLength(2);
    for (const vulnerability of older.vulnerabilities) {
      expect(vulnerability).not.toHaveProperty('cwe_ids');
      expect(vulnerability).not.toHaveProperty('preferred_cvss');
      expect(vulnerability).toHaveProperty('fix_version', '1.1.1n-0+deb11u4');
    }
    // no Accept (or */*): v1.1, as the Trivy adapter answers
    const plain = await fetch(`${scanner.url}/api/v1/scan/${id}/report`);
    expect(plain.headers.get('content-type')).toBe(V11);

    for (const mediaType of ['application/vnd.cyclonedx+json', 'application/spdx+json']) {
      const sbomResponse = await finalReport(id, SBOM, `?sbom_media_type=${encodeURIComponent(mediaType)}`);
      expect(sbomResponse.status).toBe(200);
      expect(sbomResponse.headers.get('content-type')).toBe(SBOM);
      const sbomReport = (await sbomResponse.json()) as Record<string, any>;
      expect(specErrors('HarborSbomReport', sbomReport)).toEqual([]);
      expect(sbomReport).toMatchObject({ media_type: mediaType, artifact: { repository: 'scans/debian', digest: debian.digest }, vendor_attributes: { platform: 'linux/amd64' } });
      if (mediaType === 'application/spdx+json') expect(sbomReport.sbom).toMatchObject({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT' });
      else expect(sbomReport.sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5' });
      expect(JSON.stringify(sbomReport.sbom)).toContain('libssl1.1');
    }
  });

  it('reads zstd layers, with a Bearer registry token', async () => {
    const token = await callApi(wharf.url, 'GET', `/service/token?service=${environment.config.TOKEN_SERVICE}&scope=repository:scans/alpine:pull`);
    expect(token.status).toBe(200);
    const id = await acceptedScan(scanBody('scans/alpine', alpine.digest, {}, `Bearer ${token.json.token as string}`));
    const response = await finalReport(id);
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, any>;
    expect(specErrors('HarborVulnerabilityReport', report)).toEqual([]);
    expect(report.severity).toBe('Critical');
    expect(report.vulnerabilities.map((v: Record<string, string>) => [v.id, v.package, v.version, v.fix_version])).toEqual([['CVE-2022-48174', 'busybox', '1.36.0-r9', '1.36.1-r0']]);
    expect(report.vulnerabilities[0].layer).toEqual({ digest: alpine.layerDigests[0], diff_id: alpine.diffIds[0] });
  });

  it('scans each linux platform of an index and names the platforms of each finding', async () => {
    const id = await acceptedScan({ registry: { url: wharf.url, authorization: admin }, artifact: { repository: 'scans/multi', digest: indexDigest, mime_type: 'application/vnd.oci.image.index.v1+json' } });
    const response = await finalReport(id);
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, any>;
    expect(specErrors('HarborVulnerabilityReport', report)).toEqual([]);
    expect(report.artifact.digest).toBe(indexDigest);
    const found = report.vulnerabilities.map((v: Record<string, any>) => [v.id, v.package, v.vendor_attributes.platforms, v.layer.digest]).sort();
    expect(found).toEqual([
      // found alike on both platforms: one item naming both (its layer is the first platform's)
      ['CVE-2022-40674', 'libexpat1', ['linux/arm64'], arm64.layerDigests[0]],
      ['CVE-2023-0286', 'libssl1.1', ['linux/amd64', 'linux/arm64'], amd64.layerDigests[0]],
    ]);
    // the unknown/unknown (attestation) entry was not scanned: its busybox is not reported
    expect(JSON.stringify(report)).not.toContain('busybox');
  });

  it('fails the scan with a 500 saying authentication failed when the registry credentials are wrong', async () => {
    const wrong = basicAuth({ username: TEST_ADMIN.username, password: 'not-the-password' });
    const id = await acceptedScan(scanBody('scans/debian', debian.digest, {}, wrong));
    await expectError(await finalReport(id), 500, /authentication failed/);
    // and without any credential, the private project answers 401 too
    const anonymous = await acceptedScan(scanBody('scans/debian', debian.digest, {}, null));
    await expectError(await finalReport(anonymous), 500, /authentication failed/);
  });

  it("with the scanner's own engines (inventory, OSV database loaded by scanner:db-import, SBOM writers), reports the image's vulnerabilities and SBOMs", async () => {
    // real OSV records (scanner-db's fixtures), loaded the way an operator does
    execFileSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'scanner', 'src', 'cli', 'db-import.js'), join(__dirname, '..', 'scanner-db', 'fixtures', 'osv')], {
      env: { ...process.env, ...environment.env },
      stdio: 'pipe',
    });
    const real = await startScannerProcess(environment.env);
    try {
      const vulnerabilityScan = await fetch(`${real.url}/api/v1/scan`, { method: 'POST', headers: { 'content-type': REQUEST_TYPE }, body: JSON.stringify(scanBody('scans/debian', debian.digest)) });
      expect(vulnerabilityScan.status).toBe(202);
      const scanId = ((await vulnerabilityScan.json()) as { id: string }).id;
      let vulnerabilities: Response;
      for (;;) {
        vulnerabilities = await fetch(`${real.url}/api/v1/scan/${scanId}/report`, { headers: { accept: V11 }, redirect: 'manual' });
        if (vulnerabilities.status !== 302) break;
        await vulnerabilities.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      const vulnerabilityText = await vulnerabilities.text();
      expect({ status: vulnerabilities.status, text: vulnerabilityText.slice(0, 300) }).toEqual({ status: 200, text: expect.any(String) });
      const report = JSON.parse(vulnerabilityText) as Record<string, any>;
      expect(specErrors('HarborVulnerabilityReport', report)).toEqual([]);
      const rows = report.vulnerabilities.map((v: Record<string, string>) => [v.id, v.package, v.version, v.fix_version]);
      // Debian's openssl advisory through the binary packages' source package, CVE ids as Trivy names them
      expect(rows).toEqual(expect.arrayContaining([
        ['CVE-2023-0286', 'openssl', '1.1.1n-0+deb11u3', '1.1.1n-0+deb11u4'],
        ['CVE-2023-0286', 'libssl1.1', '1.1.1n-0+deb11u3', '1.1.1n-0+deb11u4'],
      ]));
      expect(new Set(report.vulnerabilities.map((v: { package: string }) => v.package))).toEqual(new Set(['openssl', 'libssl1.1']));
      const metadata = (await (await fetch(`${real.url}/api/v1/metadata`)).json()) as { properties: Record<string, string> };
      expect(metadata.properties['harbor.scanner-adapter/vulnerability-database-updated-at']).toMatch(/^\d{4}-\d\d-\d\dT/);

      const sbomScan = await fetch(`${real.url}/api/v1/scan`, {
        method: 'POST',
        headers: { 'content-type': REQUEST_TYPE },
        body: JSON.stringify(
          scanBody('scans/debian', debian.digest, {
            enabled_capabilities: [{ type: 'sbom', produces_mime_types: [SBOM], parameters: { sbom_media_types: ['application/vnd.cyclonedx+json', 'application/spdx+json'] } }],
          }),
        ),
      });
      expect(sbomScan.status).toBe(202);
      const { id } = (await sbomScan.json()) as { id: string };
      for (const mediaType of ['application/vnd.cyclonedx+json', 'application/spdx+json']) {
        let report: Response;
        for (;;) {
          report = await fetch(`${real.url}/api/v1/scan/${id}/report?sbom_media_type=${encodeURIComponent(mediaType)}`, { headers: { accept: SBOM }, redirect: 'manual' });
          if (report.status !== 302) break;
          await report.arrayBuffer();
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
        const text = await report.text();
        expect({ status: report.status, text: text.slice(0, 300) }).toEqual({ status: 200, text: expect.any(String) });
        const sbomReport = JSON.parse(text) as Record<string, any>;
        expect(specErrors('HarborSbomReport', sbomReport)).toEqual([]);
        expect(sbomReport.media_type).toBe(mediaType);
        // the inventory read the dpkg database of the image's first layer
        expect(JSON.stringify(sbomReport.sbom)).toContain('pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3');
        if (mediaType === 'application/spdx+json') expect(sbomReport.sbom.spdxVersion).toBe('SPDX-2.3');
        else expect(sbomReport.sbom.bomFormat).toBe('CycloneDX');
      }
    } finally {
      await real.stop();
    }
  });

  it('never keeps the registry authorization in the database', async () => {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: environment.config.DATABASE_URL });
    await client.connect();
    try {
      const rows = await client.query<{ request: string }>('SELECT request::text AS request FROM scanner_scan');
      expect(rows.rows.length).toBeGreaterThan(0);
      for (const row of rows.rows) expect(row.request).not.toMatch(/authorization|Basic |Bearer /);
    } finally {
      await client.end();
    }
  });
});
