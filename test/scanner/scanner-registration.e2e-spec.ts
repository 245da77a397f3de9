/**
 * The scanner registration seam: Harbor's `scanner_registration` table, and the api registering
 * SCANNER_URL as the default scanner "Wharf scanner" on first start, once across replicas, its
 * credential sealed at rest; never again once any registration exists.
 */
import { loadConfig } from '@wharf/config';
import { Client } from 'pg';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

jest.setTimeout(120_000);

let environment: TestEnvironment;

beforeAll(async () => {
  environment = await createTestEnvironment();
});

afterAll(async () => {
  await environment?.close();
});

async function registrations(): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: environment.config.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query('SELECT uuid, name, description, url, auth, access_cred, disabled, is_default, use_internal_addr, skip_cert_verify FROM scanner_registration ORDER BY id')).rows;
  } finally {
    await client.end();
  }
}

/** An api started with these extra variables (as a replica would be). */
async function apiWith(extra: Record<string, string>): Promise<RunningApi> {
  return startApi({ ...environment, config: loadConfig({ ...environment.env, ...extra }) });
}

it('registers nothing without SCANNER_URL', async () => {
  const api = await apiWith({});
  await api.close();
  expect(await registrations()).toEqual([]);
});

it('registers SCANNER_URL as the default scanner once, however many replicas start together, with its key sealed', async () => {
  const env = { SCANNER_URL: 'http://scanner:8090/', SCANNER_API_KEY: 'scanner-key-0123456789abcdef' };
  const replicas = await Promise.all([apiWith(env), apiWith(env), apiWith(env)]);
  await Promise.all(replicas.map((api) => api.close()));
  const rows = await registrations();
  expect(rows).toEqual([
    {
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Wharf scanner',
      description: expect.any(String),
      url: 'http://scanner:8090',
      auth: 'Bearer',
      access_cred: expect.stringMatching(/^v1:/),
      disabled: false,
      is_default: true,
      use_internal_addr: false,
      skip_cert_verify: false,
    },
  ]);
  expect(JSON.stringify(rows)).not.toContain('scanner-key-0123456789abcdef');
});

it('changes nothing once a registration exists, even for another SCANNER_URL', async () => {
  const before = await registrations();
  const api = await apiWith({ SCANNER_URL: 'http://elsewhere:8090' });
  await api.close();
  expect(await registrations()).toEqual(before);
});
