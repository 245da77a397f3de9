import type { INestApplicationContext } from '@nestjs/common';
import { UserService } from '@wharf/iam';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { callApi, errorCodeOf, type ApiAnswer, type ApiCallOptions } from '../support/management-api';
import type { Credentials } from '../support/test-credentials';
import { startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker } from '../support/worker-context';
import { eventually } from '../support/eventually';
import { auditEntries } from '../support/audit-entries';

const SECRET = 'Upstream-S3cret-Never-Shown';
const UPSTREAM_USER: Credentials = { username: 'puller', password: SECRET };

/**
 * Harbor's /api/v2.0/registries against a real api, Postgres and Redis, with Debian's reference
 * registry as the upstream for ping and the worker's health checks. The credential's secret is
 * looked for in every answer and audit entry, and in the database column, and must never be there.
 */
describe('management API: /api/v2.0/registries', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  const answers: ApiAnswer[] = [];
  const outsider: Credentials = { username: 'registries-outsider', password: 'Registries-Outsider-1' };

  const call = async (method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> => {
    const answer = await callApi(api.url, method, path, options);
    answers.push(answer);
    return answer;
  };
  const errorMessage = (answer: ApiAnswer): string => answer.json?.errors?.[0]?.message ?? '';

  /** POST /registries, expecting 201; the new id from Location. */
  async function createRegistry(body: Record<string, unknown>): Promise<number> {
    const answer = await call('POST', '/registries', { body });
    expect(answer.status).toBe(201);
    const location = answer.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v2\.0\/registries\/\d+$/);
    return Number(location.split('/').pop());
  }

  const storedRow = async (id: number) => (await db.query(`SELECT * FROM registry WHERE id = $1`, [id])).rows[0];

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem', { REGISTRY_CREDENTIAL_KEY: randomBytes(32).toString('hex') });
    api = await startApi(environment);
    await api.app.get(UserService).create({ username: outsider.username, password: outsider.password, email: 'registries-outsider@example.com' });
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    // whatever went wrong above, no answer and no audit entry may have carried the secret
    for (const answer of answers) expect(answer.text).not.toContain(SECRET);
    if (api) for (const entry of await auditEntries(api.app)) expect(JSON.stringify(entry)).not.toContain(SECRET);
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  describe('access', () => {
    // every row has three elements: with two, jest would pass its `done` callback as the body
    const endpoints: [string, string, unknown][] = [
      ['GET', '/registries', undefined],
      ['POST', '/registries', { name: 'x', type: 'docker-hub' }],
      ['GET', '/registries/1', undefined],
      ['PUT', '/registries/1', { description: 'x' }],
      ['DELETE', '/registries/1', undefined],
      ['POST', '/registries/ping', { type: 'docker-hub' }],
      ['GET', '/replication/adapters', undefined],
    ];

    it.each(endpoints)('%s %s: 401 without credentials, 403 for a user who is not a system admin', async (method, path, body) => {
      const anonymous = await call(method, path, { auth: null, body });
      expect(anonymous.status).toBe(401);
      expect(errorCodeOf(anonymous)).toBe('UNAUTHORIZED');
      const user = await call(method, path, { auth: outsider, body });
      expect(user.status).toBe(403);
      expect(errorCodeOf(user)).toBe('FORBIDDEN');
    });
  });

  describe('create, read, update, delete', () => {
    it('creates an endpoint and shows it with the secret masked; the database holds only the sealed secret', async () => {
      const id = await createRegistry({
        name: 'crud-upstream', description: 'a test upstream', type: 'docker-registry', url: 'https://registry.example.com/', insecure: true,
        credential: { type: 'basic', access_key: 'puller', access_secret: SECRET },
      });
      const read = await call('GET', `/registries/${id}`);
      expect(read.status).toBe(200);
      expect(read.json).toEqual({
        id, name: 'crud-upstream', description: 'a test upstream', type: 'docker-registry', url: 'https://registry.example.com', insecure: true,
        credential: { type: 'basic', access_key: 'puller', access_secret: '*****' },
        status: 'unknown', status_message: '', last_checked: null, creation_time: expect.any(String), update_time: expect.any(String),
      });
      const row = await storedRow(id);
      expect(row.access_secret_sealed).toMatch(/^v1:[0-9a-f]{16}:/);
      expect(row.access_secret_sealed).not.toContain(SECRET);
      expect(JSON.stringify(row)).not.toContain(SECRET);
      const created = (await auditEntries(api.app)).filter((entry) => entry.resourceType === 'registry' && entry.operation === 'create');
      expect(created.map((entry) => entry.resource)).toContain('crud-upstream');
    });

    it('gives a docker-hub endpoint without a URL Docker Hub, and one without a credential credential null', async () => {
      const id = await createRegistry({ name: 'hub-anonymous', type: 'docker-hub' });
      const read = (await call('GET', `/registries/${id}`)).json;
      expect(read.url).toBe('https://registry-1.docker.io');
      expect(read.credential).toBeNull();
      expect((await storedRow(id)).access_secret_sealed).toBeNull();
    });

    it.each([
      ['an unknown type', { name: 'bad-type', type: 'artifactory', url: 'https://a.example.com' }],
      ['an ftp URL', { name: 'bad-url', type: 'docker-registry', url: 'ftp://a.example.com' }],
      ['a URL that is not one', { name: 'bad-url-2', type: 'docker-registry', url: 'not a url' }],
      ['a URL with a password in it', { name: 'bad-url-3', type: 'docker-registry', url: 'https://u:p@a.example.com' }],
      ['no URL for a self-hosted type', { name: 'no-url', type: 'docker-registry' }],
      ['no name', { type: 'docker-registry', url: 'https://a.example.com' }],
      ['an empty name', { name: '', type: 'docker-registry', url: 'https://a.example.com' }],
      ['an unknown credential type', { name: 'bad-cred', type: 'docker-registry', url: 'https://a.example.com', credential: { type: 'kerberos', access_key: 'u', access_secret: 'p' } }],
      ['an unknown field', { name: 'extra', type: 'docker-registry', url: 'https://a.example.com', colour: 'blue' }],
    ])('refuses %s with 400', async (_case, body) => {
      const answer = await call('POST', '/registries', { body });
      expect(answer.status).toBe(400);
      expect(errorCodeOf(answer)).toBe('BAD_REQUEST');
    });

    it('refuses a second endpoint of the same name with 409, on create and on rename', async () => {
      await createRegistry({ name: 'dup-a', type: 'docker-hub' });
      const idB = await createRegistry({ name: 'dup-b', type: 'docker-hub' });
      const again = await call('POST', '/registries', { body: { name: 'dup-a', type: 'quay' } });
      expect(again.status).toBe(409);
      expect(errorCodeOf(again)).toBe('CONFLICT');
      const rename = await call('PUT', `/registries/${idB}`, { body: { name: 'dup-a' } });
      expect(rename.status).toBe(409);
    });

    it('lists with X-Total-Count and Link, and filters by name (= exact, =~ substring)', async () => {
      await createRegistry({ name: 'list-alpha', type: 'docker-hub' });
      await createRegistry({ name: 'list-alphabet', type: 'docker-hub' });
      await createRegistry({ name: 'list-beta', type: 'docker-hub' });
      const fuzzy = await call('GET', `/registries?q=${encodeURIComponent('name=~list-alpha')}&page_size=1`);
      expect(fuzzy.status).toBe(200);
      expect(fuzzy.headers.get('x-total-count')).toBe('2');
      expect(fuzzy.headers.get('link')).toMatch(/page=2.*rel="next"/);
      expect(fuzzy.json.map((r: { name: string }) => r.name)).toEqual(['list-alpha']);
      const exact = await call('GET', `/registries?q=${encodeURIComponent('name=list-alpha')}`);
      expect(exact.json.map((r: { name: string }) => r.name)).toEqual(['list-alpha']);
      const all = await call('GET', '/registries?page_size=100');
      expect(Number(all.headers.get('x-total-count'))).toBe(all.json.length);
      for (const registry of all.json) if (registry.credential) expect(registry.credential.access_secret).toBe('*****');
      expect((await call('GET', `/registries?q=${encodeURIComponent('colour=blue')}`)).status).toBe(400);
    });

    it('updates partially; a credential sent back masked or without a secret keeps the stored secret', async () => {
      const id = await createRegistry({ name: 'update-me', type: 'docker-registry', url: 'https://old.example.com', credential: { type: 'basic', access_key: 'puller', access_secret: SECRET } });
      const sealedBefore = (await storedRow(id)).access_secret_sealed;
      const read = (await call('GET', `/registries/${id}`)).json;
      const echoed = await call('PUT', `/registries/${id}`, { body: { ...read, description: 'echoed back', url: 'https://new.example.com/' } });
      expect(echoed.status).toBe(200);
      let row = await storedRow(id);
      expect(row.access_secret_sealed).toBe(sealedBefore);
      expect(row).toMatchObject({ description: 'echoed back', url: 'https://new.example.com', type: 'docker-registry', access_key: 'puller' });
      expect((await call('PUT', `/registries/${id}`, { body: { credential: { access_key: 'other-user' } } })).status).toBe(200);
      row = await storedRow(id);
      expect(row.access_secret_sealed).toBe(sealedBefore);
      expect(row.access_key).toBe('other-user');
      expect((await call('PUT', `/registries/${id}`, { body: { credential: { type: 'basic', access_key: 'other-user', access_secret: 'a-new-secret' } } })).status).toBe(200);
      expect((await storedRow(id)).access_secret_sealed).not.toBe(sealedBefore);
      expect((await call('PUT', `/registries/${id}`, { body: { credential: null } })).status).toBe(200);
      expect((await call('GET', `/registries/${id}`)).json.credential).toBeNull();
      expect((await call('PUT', `/registries/${id}`, { body: { url: 'gopher://x' } })).status).toBe(400);
      expect((await call('PUT', '/registries/999999', { body: { description: 'x' } })).status).toBe(404);
      expect((await auditEntries(api.app)).some((entry) => entry.resourceType === 'registry' && entry.operation === 'update' && entry.resource === 'update-me')).toBe(true);
    });

    it('answers 404 for an endpoint that does not exist', async () => {
      for (const method of ['GET', 'DELETE']) {
        const answer = await call(method, '/registries/999999');
        expect(answer.status).toBe(404);
        expect(errorCodeOf(answer)).toBe('NOT_FOUND');
      }
    });

    it('refuses to delete an endpoint a proxy-cache project uses (412), and deletes it once the project is gone', async () => {
      const id = await createRegistry({ name: 'in-use', type: 'docker-hub' });
      const unknown = await call('POST', '/projects', { body: { project_name: 'proxy-unknown', registry_id: 999999 } });
      expect(unknown.status).toBe(400);
      expect(errorMessage(unknown)).toMatch(/registry 999999 does not exist/);
      expect((await call('POST', '/projects', { body: { project_name: 'proxy-in-use', registry_id: id } })).status).toBe(201);
      const refused = await call('DELETE', `/registries/${id}`);
      expect(refused.status).toBe(412);
      expect(errorCodeOf(refused)).toBe('PRECONDITION');
      expect(errorMessage(refused)).toMatch(/referenced by project proxy-in-use/);
      expect((await call('GET', `/registries/${id}`)).status).toBe(200);
      expect((await call('DELETE', '/projects/proxy-in-use')).status).toBe(200);
      expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
      expect((await call('GET', `/registries/${id}`)).status).toBe(404);
      expect((await auditEntries(api.app)).some((entry) => entry.resourceType === 'registry' && entry.operation === 'delete' && entry.resource === 'in-use')).toBe(true);
    });

    it('lists the registry types as Harbor\'s replication adapters', async () => {
      const answer = await call('GET', '/replication/adapters');
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual(expect.arrayContaining(['docker-hub', 'docker-registry', 'harbor']));
    });
  });

  describe('ping and health against a real upstream', () => {
    let upstream: UpstreamRegistryProcess;
    let worker: INestApplicationContext | undefined;

    beforeAll(async () => {
      upstream = await startUpstreamRegistry({ auth: UPSTREAM_USER });
    });

    afterAll(async () => {
      await worker?.close();
      await upstream?.stop();
    });

    it('pings a stored endpoint (200), the same with a wrong password given in the request (400), and a full endpoint that is not stored', async () => {
      const id = await createRegistry({ name: 'ping-me', type: 'docker-registry', url: upstream.url, credential: { type: 'basic', access_key: UPSTREAM_USER.username, access_secret: SECRET } });
      expect((await call('POST', '/registries/ping', { body: { id } })).status).toBe(200);
      const wrong = await call('POST', '/registries/ping', { body: { id, credential: { type: 'basic', access_key: UPSTREAM_USER.username, access_secret: 'wrong-password' } } });
      expect(wrong.status).toBe(400);
      expect(errorMessage(wrong)).toMatch(/authentication failed/);
      // the override was only tried: the stored secret still works
      expect((await call('POST', '/registries/ping', { body: { id } })).status).toBe(200);
      const full = await call('POST', '/registries/ping', { body: { type: 'docker-registry', url: upstream.url, credential: { type: 'basic', access_key: UPSTREAM_USER.username, access_secret: SECRET } } });
      expect(full.status).toBe(200);
      const anonymous = await call('POST', '/registries/ping', { body: { type: 'docker-registry', url: upstream.url } });
      expect(anonymous.status).toBe(400);
      expect(errorMessage(anonymous)).toMatch(/authentication failed/);
      expect((await call('POST', '/registries/ping', { body: { id: 999999 } })).status).toBe(404);
      expect((await call('POST', '/registries/ping', { body: { url: upstream.url } })).status).toBe(400);
    });

    /** An HTTP server on 127.0.0.1 that asks for Basic credentials on /v2/ and records the Authorization headers it is sent. */
    async function startCredentialCatcher(): Promise<{ url: string; authorizations: string[]; server: Server }> {
      const authorizations: string[] = [];
      const server = createServer((request, response) => {
        if (request.headers.authorization) authorizations.push(request.headers.authorization);
        response.writeHead(401, { 'www-authenticate': 'Basic realm="catcher"' }).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, authorizations, server };
    }

    it('never sends a stored credential to another url, type or insecure flag than the one it is stored for', async () => {
      const id = await createRegistry({ name: 'ping-elsewhere', type: 'docker-registry', url: upstream.url, credential: { type: 'basic', access_key: UPSTREAM_USER.username, access_secret: SECRET } });
      const catcher = await startCredentialCatcher();
      try {
        const elsewhere = await call('POST', '/registries/ping', { body: { id, url: catcher.url } });
        expect(elsewhere.status).toBe(400);
        expect(errorMessage(elsewhere)).toMatch(/authentication failed/);
        // the same with the secret sent back masked, as a client echoing what it read would
        const masked = await call('POST', '/registries/ping', { body: { id, url: catcher.url, credential: { type: 'basic', access_key: UPSTREAM_USER.username, access_secret: '*****' } } });
        expect(masked.status).toBe(400);
        expect(errorMessage(masked)).toMatch(/access_secret is required/);
        expect(catcher.authorizations).toEqual([]);
        // a credential the request carries itself may be tried anywhere
        expect((await call('POST', '/registries/ping', { body: { id, url: catcher.url, credential: { type: 'basic', access_key: 'someone', access_secret: 'given-here' } } })).status).toBe(400);
        expect(catcher.authorizations).toEqual([`Basic ${Buffer.from('someone:given-here').toString('base64')}`]);
      } finally {
        await new Promise((resolve) => catcher.server.close(resolve));
      }
      // the stored url with another insecure flag or type: anonymous, so the upstream refuses
      for (const change of [{ insecure: true }, { type: 'harbor' }]) {
        const answer = await call('POST', '/registries/ping', { body: { id, ...change } });
        expect({ change, status: answer.status, message: errorMessage(answer) }).toEqual({ change, status: 400, message: expect.stringMatching(/authentication failed/) });
      }
      expect((await call('POST', '/registries/ping', { body: { id } })).status).toBe(200);
    });

    it('names a failed ping by its class, never by the socket error (which would map open ports)', async () => {
      const notRegistry = createServer((_request, response) => response.writeHead(404).end('no such page'));
      await new Promise<void>((resolve) => notRegistry.listen(0, '127.0.0.1', resolve));
      const port = (notRegistry.address() as AddressInfo).port;
      try {
        const answer = await call('POST', '/registries/ping', { body: { type: 'docker-registry', url: `http://127.0.0.1:${port}` } });
        expect(answer.status).toBe(400);
        expect(errorMessage(answer)).toBe(`http://127.0.0.1:${port} is not a registry`);
      } finally {
        await new Promise((resolve) => notRegistry.close(resolve));
      }
      // the port is closed now
      const refused = await call('POST', '/registries/ping', { body: { type: 'docker-registry', url: `http://127.0.0.1:${port}` } });
      expect(refused.status).toBe(400);
      expect(errorMessage(refused)).toBe(`http://127.0.0.1:${port} is unreachable`);
    });

    it('the worker marks endpoints healthy, and unhealthy once the upstream stops answering', async () => {
      const healthyId = await createRegistry({ name: 'health-ok', type: 'docker-registry', url: upstream.url, credential: { type: 'basic', access_key: UPSTREAM_USER.username, access_secret: SECRET } });
      const wrongId = await createRegistry({ name: 'health-wrong-password', type: 'docker-registry', url: upstream.url, credential: { type: 'basic', access_key: UPSTREAM_USER.username, access_secret: 'wrong-password' } });
      worker = await startWorker(environment, { REGISTRY_HEALTH_INTERVAL_SECONDS: '1' });
      const statusOf = async (id: number) => (await call('GET', `/registries/${id}`)).json;
      await eventually(async () => (await statusOf(healthyId)).status === 'healthy' && (await statusOf(wrongId)).status === 'unhealthy', 30_000);
      const wrong = await statusOf(wrongId);
      expect(wrong.status_message).toMatch(/authentication failed/);
      expect(wrong.last_checked).not.toBeNull();

      await upstream.kill();
      const ping = await call('POST', '/registries/ping', { body: { id: healthyId } });
      expect(ping.status).toBe(400);
      expect(errorMessage(ping)).toMatch(/unreachable/);
      await eventually(async () => (await statusOf(healthyId)).status === 'unhealthy', 30_000);
      expect((await statusOf(healthyId)).status_message).toMatch(/unreachable/);

      await upstream.restart();
      await eventually(async () => (await statusOf(healthyId)).status === 'healthy', 30_000);
      expect((await statusOf(healthyId)).status_message).toBe('');
    });
  });
});
