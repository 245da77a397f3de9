/**
 * The scanner's API key (SCANNER_API_KEY): off, every call is open; on, every call of /api/v1
 * needs it in one of the ways Harbor sends a registration's credential (Bearer, the
 * X-ScannerAdapter-API-Key header, or Basic with the key as the password).
 */
import { startScannerProcess, type ScannerProcess } from '../support/scanner-process';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';
import { specErrors } from './spec-schemas';

jest.setTimeout(120_000);

const KEY = 'scanner-key-0123456789abcdef';
const DIGEST = `sha256:${'a'.repeat(64)}`;
let environment: TestEnvironment;
let open: ScannerProcess;
let guarded: ScannerProcess;

beforeAll(async () => {
  environment = await createTestEnvironment();
  [open, guarded] = await Promise.all([startScannerProcess(environment.env), startScannerProcess({ ...environment.env, SCANNER_API_KEY: KEY })]);
});

afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
  await environment?.close();
});

const scanRequest = JSON.stringify({ registry: { url: 'http://127.0.0.1:9' }, artifact: { repository: 'library/app', digest: DIGEST } });

/** Every operation of the API, with the given headers. */
async function everyCall(base: string, headers: Record<string, string>): Promise<number[]> {
  const metadata = await fetch(`${base}/api/v1/metadata`, { headers });
  const scan = await fetch(`${base}/api/v1/scan`, { method: 'POST', headers: { ...headers, 'content-type': 'application/vnd.scanner.adapter.scan.request+json; version=1.0' }, body: scanRequest });
  const report = await fetch(`${base}/api/v1/scan/7b5d6a3c-1f1e-4a8e-9a51-0c1d2e3f4a5b/report`, { headers, redirect: 'manual' });
  return [metadata.status, scan.status, report.status];
}

describe('without SCANNER_API_KEY', () => {
  it('answers every call', async () => {
    expect(await everyCall(open.url, {})).toEqual([200, 202, 404]);
  });

  it('serves metadata with the default engines, which have no database yet', async () => {
    const metadata = (await (await fetch(`${open.url}/api/v1/metadata`)).json()) as { properties: Record<string, string> };
    expect(specErrors('ScannerAdapterMetadata', metadata)).toEqual([]);
    expect(metadata.properties).not.toHaveProperty('harbor.scanner-adapter/vulnerability-database-updated-at');
  });
});

describe('with SCANNER_API_KEY', () => {
  it('refuses every call without the key, or with a wrong one, with 401 in the spec error shape', async () => {
    expect(await everyCall(guarded.url, {})).toEqual([401, 401, 401]);
    expect(await everyCall(guarded.url, { authorization: 'Bearer wrong-key-0123456789' })).toEqual([401, 401, 401]);
    expect(await everyCall(guarded.url, { 'x-scanneradapter-api-key': 'wrong-key-0123456789' })).toEqual([401, 401, 401]);
    expect(await everyCall(guarded.url, { authorization: `Basic ${Buffer.from(`harbor:${KEY}x`).toString('base64')}` })).toEqual([401, 401, 401]);
    const refused = await fetch(`${guarded.url}/api/v1/metadata`);
    expect(refused.headers.get('content-type')).toBe('application/vnd.scanner.adapter.error+json; version=1.0');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const body = (await refused.json()) as unknown;
    expect(specErrors('ErrorResponse', body)).toEqual([]);
    expect(body).toEqual({ error: { message: expect.stringMatching(/API key/) } });
  });

  it('accepts the key as Harbor sends it: Bearer, X-ScannerAdapter-API-Key, or Basic with the key as password', async () => {
    expect(await everyCall(guarded.url, { authorization: `Bearer ${KEY}` })).toEqual([200, 202, 404]);
    expect(await everyCall(guarded.url, { 'x-scanneradapter-api-key': KEY })).toEqual([200, 202, 404]);
    expect(await everyCall(guarded.url, { authorization: `Basic ${Buffer.from(`harbor:${KEY}`).toString('base64')}` })).toEqual([200, 202, 404]);
  });

  it('leaves the probes open (for orchestrators)', async () => {
    expect((await fetch(`${guarded.url}/probe/healthy`)).status).toBe(200);
    expect((await fetch(`${guarded.url}/probe/ready`)).status).toBe(200);
  });

  it('never logs the key', async () => {
    expect(guarded.output()).not.toContain(KEY);
  });
});
