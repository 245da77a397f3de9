/**
 * Harbor's scanner registrations API: /scanners (create validated by a live metadata call, the
 * credential sealed and never shown back, each auth mode sent as Harbor sends it, redirects never
 * followed, 5 s per call), ping, PATCH default, metadata with the health it records, delete, and
 * each project's scanner. Against a strict spec fake and Wharf's own scanner adapter process.
 */
import { Client } from 'pg';
import { auditEntries } from '../support/audit-entries';
import { callApi, errorCodeOf } from '../support/management-api';
import { startScannerProcess, type ScannerProcess } from '../support/scanner-process';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { FakeAdapter, VALID_METADATA } from './fake-adapter';

jest.setTimeout(120_000);

const KEY = 'scanner-key-0123456789abcdef';
let environment: TestEnvironment;
let api: RunningApi;
let real: ScannerProcess;
const fakes: FakeAdapter[] = [];

async function fake(options: ConstructorParameters<typeof FakeAdapter>[0] = {}): Promise<FakeAdapter> {
  const adapter = await new FakeAdapter(options).start();
  fakes.push(adapter);
  return adapter;
}

beforeAll(async () => {
  environment = await createTestEnvironment();
  [api, real] = await Promise.all([startApi(environment), startScannerProcess({ ...environment.env, SCANNER_API_KEY: KEY })]);
});

afterAll(async () => {
  await Promise.all(fakes.map((f) => f.stop()));
  await real?.stop();
  await api?.close();
  await environment?.close();
});

const call = (method: string, path: string, body?: unknown) => callApi(api.url, method, path, { body });

async function storedCredentials(): Promise<Record<string, string | null>> {
  const client = new Client({ connectionString: environment.config.DATABASE_URL });
  await client.connect();
  try {
    const rows = (await client.query<{ name: string; access_cred: string | null }>('SELECT name, access_cred FROM scanner_registration')).rows;
    return Object.fromEntries(rows.map((r) => [r.name, r.access_cred]));
  } finally {
    await client.end();
  }
}

async function create(body: Record<string, unknown>): Promise<string> {
  const answer = await call('POST', '/scanners', body);
  expect({ status: answer.status, text: answer.text }).toEqual({ status: 201, text: '' });
  const location = answer.headers.get('location')!;
  expect(location).toMatch(/\/api\/v2\.0\/scanners\/[0-9a-f-]{36}$/);
  return location.split('/').pop()!;
}

describe('registrations', () => {
  let apiKeyScanner: string;

  it('registers an adapter after a live metadata call, with its key sealed and never shown, the first one as the default', async () => {
    const adapter = await fake({ requireHeader: { name: 'x-scanneradapter-api-key', value: KEY } });
    apiKeyScanner = await create({ name: 'api-key', description: 'fake', url: `${adapter.url}/`, auth: 'X-ScannerAdapter-API-Key', access_credential: KEY });
    const got = await call('GET', `/scanners/${apiKeyScanner}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({
      uuid: apiKeyScanner,
      name: 'api-key',
      description: 'fake',
      url: adapter.url,
      disabled: false,
      is_default: true,
      auth: 'X-ScannerAdapter-API-Key',
      skip_certVerify: false,
      use_internal_addr: false,
      create_time: expect.any(String),
      update_time: expect.any(String),
      adapter: 'Fake',
      vendor: 'Wharf tests',
      version: '1.2.3',
      health: 'healthy',
    });
    expect(got.text).not.toContain(KEY);
    expect((await call('GET', '/scanners')).text).not.toContain(KEY);
    expect((await storedCredentials())['api-key']).toMatch(/^v1:/);
    expect(JSON.stringify(await storedCredentials())).not.toContain(KEY);
    // the metadata call carried the key and Harbor's Accept
    expect(adapter.seen.map((r) => [r.method, r.path, r.headers.accept])).toEqual([['GET', '/api/v1/metadata', 'application/vnd.scanner.adapter.metadata+json; version=1.0']]);
  });

  it('sends each auth mode as Harbor does (Basic base64 of the credential, Bearer, the API key header under either spelling, none)', async () => {
    const basic = await fake({ requireHeader: { name: 'authorization', value: `Basic ${Buffer.from('harbor:secret-1').toString('base64')}` } });
    const bearer = await fake({ requireHeader: { name: 'authorization', value: 'Bearer token-2' } });
    const apiKey = await fake({ requireHeader: { name: 'x-scanneradapter-api-key', value: 'key-3' } });
    const none = await fake();
    await create({ name: 'basic', url: basic.url, auth: 'Basic', access_credential: 'harbor:secret-1' });
    await create({ name: 'bearer', url: bearer.url, auth: 'Bearer', access_credential: 'token-2' });
    const spelled = await create({ name: 'apikey', url: apiKey.url, auth: 'APIKey', access_credential: 'key-3' });
    await create({ name: 'none', url: none.url, auth: 'None' });
    expect((await call('GET', `/scanners/${spelled}`)).json.auth).toBe('X-ScannerAdapter-API-Key');
    expect(none.seen[0].headers.authorization).toBeUndefined();
    expect(none.seen[0].headers['x-scanneradapter-api-key']).toBeUndefined();
    expect((await storedCredentials()).none).toBeNull();
    // a wrong credential is refused with the reason
    const wrong = await call('POST', '/scanners', { name: 'wrong', url: bearer.url, auth: 'Bearer', access_credential: 'nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('refused the credential');
    expect((await call('POST', '/scanners', { name: 'odd', url: none.url, auth: 'Digest' })).status).toBe(400);
  });

  it('refuses an adapter whose metadata is invalid, that redirects (never followed) or that does not answer within 5 s', async () => {
    const noDocker = await fake({ metadata: { ...VALID_METADATA, capabilities: [{ consumes_mime_types: ['application/x-tar'], produces_mime_types: VALID_METADATA.capabilities[0].produces_mime_types }] } });
    const unknownReport = await fake({ metadata: { ...VALID_METADATA, capabilities: [{ consumes_mime_types: VALID_METADATA.capabilities[0].consumes_mime_types, produces_mime_types: ['text/plain'] }] } });
    const target = await fake();
    const redirecting = await fake({ redirectMetadataTo: `${target.url}/api/v1/metadata` });
    const hanging = await fake({ hangMetadata: true });
    for (const adapter of [noDocker, unknownReport, redirecting, hanging]) {
      const answer = await call('POST', '/scanners', { name: `bad-${adapter.url}`, url: adapter.url });
      expect({ url: adapter.url, status: answer.status, code: errorCodeOf(answer) }).toEqual({ url: adapter.url, status: 400, code: 'BAD_REQUEST' });
    }
    expect(target.seen).toEqual([]);
    const pinged = await call('POST', '/scanners/ping', { url: hanging.url });
    expect(pinged.status).toBe(400);
    expect(pinged.text).toContain('no answer within 5 s');
    expect(Object.keys(await storedCredentials()).filter((n) => n.startsWith('bad-'))).toEqual([]);
  });

  it('pings an adapter (200, or 400 with the reason)', async () => {
    const adapter = await fake({ requireHeader: { name: 'authorization', value: 'Bearer t' } });
    expect((await call('POST', '/scanners/ping', { name: 'x', url: adapter.url, auth: 'Bearer', access_credential: 't' })).status).toBe(200);
    expect((await call('POST', '/scanners/ping', { url: adapter.url })).status).toBe(400);
    expect((await call('POST', '/scanners/ping', { url: 'ftp://example' })).status).toBe(400);
  });

  it('updates a registration keeping its credential for the same adapter, never sending it to another url', async () => {
    const adapter = fakes[0];
    expect((await call('PUT', `/scanners/${apiKeyScanner}`, { description: 'changed', use_internal_addr: true })).status).toBe(200);
    const got = (await call('GET', `/scanners/${apiKeyScanner}`)).json;
    expect([got.description, got.use_internal_addr, got.auth]).toEqual(['changed', true, 'X-ScannerAdapter-API-Key']);
    expect(adapter.seen.at(-1)!.headers['x-scanneradapter-api-key']).toBe(KEY);
    const elsewhere = await fake();
    expect((await call('PUT', `/scanners/${apiKeyScanner}`, { url: elsewhere.url })).status).toBe(200);
    expect(elsewhere.seen.map((r) => r.headers['x-scanneradapter-api-key'])).toEqual([undefined]);
    expect((await call('PUT', `/scanners/${apiKeyScanner}`, { url: adapter.url, access_credential: KEY })).status).toBe(200);
  });

  it('reads the metadata live and records the health it finds', async () => {
    const adapter = await fake();
    const id = await create({ name: 'flaky', url: adapter.url });
    const metadata = await call('GET', `/scanners/${id}/metadata`);
    expect(metadata.status).toBe(200);
    expect(metadata.json).toEqual({ ...VALID_METADATA, capabilities: [{ ...VALID_METADATA.capabilities[0], type: 'vulnerability' }] });
    await adapter.stop();
    fakes.splice(fakes.indexOf(adapter), 1);
    const down = await call('GET', `/scanners/${id}/metadata`);
    expect(down.status).toBe(400);
    expect((await call('GET', `/scanners/${id}`)).json.health).toBe('unhealthy');
    expect((await call('GET', `/scanners/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`)).status).toBe(404);
    expect((await call('GET', '/scanners/not-a-uuid')).status).toBe(400);
  });

  it('moves the default with PATCH; the default is not deleted while others exist', async () => {
    const list = (await call('GET', '/scanners?page_size=100')).json as { uuid: string; name: string; is_default: boolean }[];
    expect(list.filter((r) => r.is_default).map((r) => r.name)).toEqual(['api-key']);
    const bearer = list.find((r) => r.name === 'bearer')!.uuid;
    expect((await call('PATCH', `/scanners/${bearer}`, { is_default: true })).status).toBe(200);
    const after = (await call('GET', '/scanners?page_size=100')).json as { name: string; is_default: boolean }[];
    expect(after.filter((r) => r.is_default).map((r) => r.name)).toEqual(['bearer']);
    expect((await call('DELETE', `/scanners/${bearer}`)).status).toBe(412);
    const none = list.find((r) => r.name === 'none')!.uuid;
    const deleted = await call('DELETE', `/scanners/${none}`);
    expect([deleted.status, deleted.json.name]).toEqual([200, 'none']);
    expect((await call('GET', `/scanners/${none}`)).status).toBe(404);
    expect((await call('GET', '/scanners?q=name%3Dbasic')).json.map((r: { name: string }) => r.name)).toEqual(['basic']);
  });

  it("registers Wharf's own scanner adapter with Basic (the key as the password) and reads its metadata", async () => {
    const id = await create({ name: 'wharf', url: real.url, auth: 'Basic', access_credential: `harbor:${KEY}` });
    const metadata = await call('GET', `/scanners/${id}/metadata`);
    expect(metadata.status).toBe(200);
    expect(metadata.json.scanner.name).toEqual(expect.any(String));
    expect(metadata.json.capabilities.length).toBeGreaterThan(0);
    expect((await call('GET', `/scanners/${id}`)).json).toMatchObject({ health: 'healthy', adapter: metadata.json.scanner.name, version: metadata.json.scanner.version });
  });

  it('writes audit entries for registrations, by name, never with the credential', async () => {
    const entries = (await auditEntries(api.app)).filter((e) => e.resourceType === 'scanner');
    expect(entries.filter((e) => e.resource === 'api-key').map((e) => e.operation)).toEqual(['create', 'update', 'update', 'update']);
    expect(entries.filter((e) => e.resource === 'none').map((e) => e.operation)).toEqual(['create', 'delete']);
    expect(entries.every((e) => e.username === 'admin' && e.projectId === null)).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(KEY);
  });
});

describe("a project's scanner", () => {
  it('is the default one until a project admin picks another; candidates are the enabled registrations', async () => {
    expect((await call('POST', '/projects', { project_name: 'scanned', metadata: { public: 'false' } })).status).toBe(201);
    const initial = await call('GET', '/projects/scanned/scanner');
    expect([initial.status, initial.json.name]).toEqual([200, 'bearer']);
    const candidates = await call('GET', '/projects/scanned/scanner/candidates?page_size=100');
    expect(candidates.status).toBe(200);
    expect(candidates.json.map((r: { name: string }) => r.name).sort()).toEqual(['api-key', 'apikey', 'basic', 'bearer', 'flaky', 'wharf']);
    const wharf = candidates.json.find((r: { name: string }) => r.name === 'wharf').uuid;
    expect((await call('PUT', '/projects/scanned/scanner', { uuid: wharf })).status).toBe(200);
    expect((await call('GET', '/projects/scanned/scanner')).json.name).toBe('wharf');
    expect((await call('PUT', '/projects/scanned/scanner', { uuid: `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}` })).status).toBe(404);
    // a disabled registration is no longer the project's, nor a candidate
    expect((await call('PUT', `/scanners/${wharf}`, { disabled: true })).status).toBe(200);
    expect((await call('GET', '/projects/scanned/scanner')).json.name).toBe('bearer');
    expect((await call('PUT', '/projects/scanned/scanner', { uuid: wharf })).status).toBe(412);
  });
});
