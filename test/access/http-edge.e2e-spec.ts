/**
 * The edge of the api as operators see it: one access-log line per request (ACCESS_LOG), a 5xx
 * whose answer and log line share the request id, X-Forwarded-* believed only from
 * TRUSTED_PROXIES, HTTPS served by the api itself (TLS_CERT_FILE/TLS_KEY_FILE) with skopeo
 * trusting a self-signed CA by --cert-dir, and distribution's insufficient_scope challenges.
 */
import { loadConfig } from '@wharf/config';
import { UserService } from '@wharf/iam';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { builtEntry, freePort, startApiProcess, type ApiProcess } from '../support/api-process';
import { callApi } from '../support/management-api';
import { buildImageLayout, skopeo, toolAvailable } from '../support/oci-layout';
import { RegistryClient, sha256 } from '../support/registry-client';
import { TEST_ADMIN, basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';
import { spawnWorker, type WorkerProcess } from '../support/worker-context';

interface LogLine {
  level: number;
  msg?: string;
  requestId?: string;
  route?: string;
  user?: string;
  client?: string;
  bytesIn?: number;
  bytesOut?: number;
  responseTime?: number;
  req?: { id?: string; method?: string; url?: string };
  res?: { statusCode?: number };
  err?: { type?: string; message?: string; stack?: string };
}

const INFO = 30;
const ERROR = 50;
const TRIGGER_MESSAGE = 'refused by the http-edge test';

const linesOf = (api: ApiProcess): LogLine[] =>
  api
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('the api at its edge', () => {
  let environment: TestEnvironment;
  let db: Client;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await environment?.close();
  });

  describe('logs', () => {
    let api: ApiProcess;
    beforeAll(async () => {
      api = await startApiProcess({ ...environment.env, LOG_LEVEL: 'info' });
    });
    afterAll(async () => {
      await db.query(`DROP TRIGGER IF EXISTS refuse_edge ON label; DROP TRIGGER IF EXISTS refuse_edge ON artifact; DROP FUNCTION IF EXISTS refuse_edge()`);
      await api?.stop();
    });

    it('writes one access line per request: method, path, route template, status, duration, bytes, user, client, request id', async () => {
      const answer = await fetch(`${api.url}/api/v2.0/projects?page_size=5`, { headers: { authorization: basicAuth(TEST_ADMIN), 'x-request-id': 'edge-list-1' } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-request-id')).toBe('edge-list-1');
      const body = await answer.text();
      const line = await eventually(async () => linesOf(api).find((l) => l.requestId === 'edge-list-1'));
      expect(line).toMatchObject({
        level: INFO,
        msg: 'request completed',
        route: '/api/v2.0/projects',
        req: { id: 'edge-list-1', method: 'GET', url: '/api/v2.0/projects' },
        res: { statusCode: 200 },
        user: 'admin',
        client: '127.0.0.1',
        bytesOut: Buffer.byteLength(body),
      });
      expect(typeof line!.responseTime).toBe('number');

      // a /v2 upload: its bytes in; an id the client did not give is made up, and answered
      const registry = new RegistryClient(api.url);
      const blob = Buffer.alloc(4096, 7);
      const upload = await registry.fetch(`/v2/library/logged/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: blob, headers: { 'content-type': 'application/octet-stream' } });
      expect(upload.status).toBe(201);
      const id = upload.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const uploadLine = await eventually(async () => linesOf(api).find((l) => l.requestId === id));
      expect(uploadLine).toMatchObject({ level: INFO, req: { method: 'POST', url: '/v2/library/logged/blobs/uploads/' }, res: { statusCode: 201 }, user: 'admin', bytesIn: 4096 });
      expect(uploadLine!.route).toMatch(/^\/v2\//);

      // anonymous, refused: still one line, at info
      const refused = await fetch(`${api.url}/api/v2.0/users`, { headers: { 'x-request-id': 'edge-anon-1' } });
      expect(refused.status).toBe(401);
      expect(await eventually(async () => linesOf(api).find((l) => l.requestId === 'edge-anon-1'))).toMatchObject({ level: INFO, user: 'anonymous', res: { statusCode: 401 } });
      // an id that does not look like one is replaced
      const odd = await fetch(`${api.url}/api/v2.0/projects`, { headers: { 'x-request-id': 'bad id with spaces' } });
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('logs the cause of a 5xx with the request id the answer carries (Harbor and OCI error shapes)', async () => {
      await db.query(`CREATE OR REPLACE FUNCTION refuse_edge() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${TRIGGER_MESSAGE}'; END $$`);
      await db.query(`CREATE TRIGGER refuse_edge BEFORE INSERT ON label FOR EACH STATEMENT EXECUTE FUNCTION refuse_edge()`);
      await db.query(`CREATE TRIGGER refuse_edge BEFORE INSERT ON artifact FOR EACH STATEMENT EXECUTE FUNCTION refuse_edge()`);

      const management = await callApi(api.url, 'POST', '/labels', { body: { name: 'edge', scope: 'g' } });
      expect(management.status).toBe(500);
      const managementId = management.headers.get('x-request-id')!;
      expect(management.json).toEqual({ errors: [{ code: 'INTERNAL_SERVER_ERROR', message: `internal error (request id ${managementId})` }] });
      expect(management.text).not.toContain(TRIGGER_MESSAGE);

      const registry = new RegistryClient(api.url);
      const config = await registry.pushBlob('library/broken', Buffer.from('{}'));
      const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' }, layers: [] };
      const v2 = await registry.pushManifest('library/broken', 'v1', manifest, manifest.mediaType);
      expect(v2.status).toBe(500);
      const v2Id = v2.headers.get('x-request-id')!;
      expect(await v2.json()).toEqual({ errors: [{ code: 'UNKNOWN', message: `internal error (request id ${v2Id})`, detail: { request_id: v2Id } }] });

      for (const id of [managementId, v2Id]) {
        const lines = await eventually(async () => {
          const found = linesOf(api).filter((l) => l.requestId === id || l.req?.id === id);
          return found.some((l) => l.msg?.startsWith('request')) && found.some((l) => l.err) ? found : undefined;
        });
        const cause = lines.find((l) => l.err)!;
        expect(cause).toMatchObject({ level: ERROR, requestId: id, err: { message: expect.stringContaining(TRIGGER_MESSAGE) } });
        expect(cause.err!.stack).toContain(TRIGGER_MESSAGE);
        expect(lines.find((l) => l.msg?.startsWith('request'))).toMatchObject({ level: ERROR, res: { statusCode: 500 }, requestId: id });
      }
    });

    it('ACCESS_LOG=false leaves only failures', async () => {
      const quiet = await startApiProcess({ ...environment.env, LOG_LEVEL: 'info', ACCESS_LOG: 'false' });
      try {
        await fetch(`${quiet.url}/api/v2.0/projects`, { headers: { authorization: basicAuth(TEST_ADMIN), 'x-request-id': 'edge-quiet-1' } });
        const failed = await callApi(quiet.url, 'POST', '/labels', { body: { name: 'edge2', scope: 'g' } });
        expect(failed.status).toBe(500);
        const failedId = failed.headers.get('x-request-id')!;
        await eventually(async () => linesOf(quiet).some((l) => l.requestId === failedId && l.msg?.startsWith('request')));
        expect(linesOf(quiet).filter((l) => l.requestId === 'edge-quiet-1' || l.req?.id === 'edge-quiet-1')).toEqual([]);
      } finally {
        await quiet.stop();
      }
    });
  });

  describe('reverse proxies', () => {
    let trusted: { app: NestFastifyApplication; url: string };
    let direct: { app: NestFastifyApplication; url: string };

    const start = async (extra: Record<string, string>) => {
      const app = await createApiApp(loadConfig({ ...environment.env, ...extra }));
      await app.listen(0, '127.0.0.1');
      return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` };
    };
    beforeAll(async () => {
      trusted = await start({ TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1/32' });
      direct = await start({});
    });
    afterAll(async () => {
      await trusted?.app.close();
      await direct?.app.close();
    });

    const forwarded = { 'x-forwarded-for': '198.51.100.1, 203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'registry.example.com:8443' };

    it('records the forwarded client address in the audit log only from a trusted proxy', async () => {
      for (const [api, project] of [[trusted, 'via-proxy'], [direct, 'not-via-proxy']] as const) {
        expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: project }, headers: forwarded })).status).toBe(201);
      }
      const rows = await db.query<{ resource: string; client_ip: string }>(`SELECT resource, client_ip FROM audit_log WHERE resource IN ('via-proxy', 'not-via-proxy') ORDER BY id`);
      // the nearest address the trusted proxies did not vouch for; the peer when nobody is trusted
      expect(rows.rows).toEqual([
        { resource: 'via-proxy', client_ip: '203.0.113.7' },
        { resource: 'not-via-proxy', client_ip: '127.0.0.1' },
      ]);
    });

    it('names the forwarded scheme and host in the token realm only from a trusted proxy; Locations stay relative', async () => {
      const challenge = async (api: { url: string }) => (await fetch(`${api.url}/v2/`, { headers: forwarded })).headers.get('www-authenticate');
      expect(await challenge(trusted)).toBe('Bearer realm="https://registry.example.com:8443/service/token",service="wharf-registry"');
      expect(await challenge(direct)).toBe(`Bearer realm="${direct.url}/service/token",service="wharf-registry"`);
      for (const api of [trusted, direct]) {
        const upload = await new RegistryClient(api.url).fetch('/v2/via-proxy/app/blobs/uploads/', { method: 'POST', headers: forwarded });
        expect(upload.status).toBe(202);
        // resolved by the client against the URL it called (through the proxy): right whatever the proxy's host
        expect(upload.headers.get('location')).toMatch(/^\/v2\/via-proxy\/app\/blobs\/uploads\/[^/]+$/);
      }
    });
  });

  describe('docker token scopes', () => {
    let app: NestFastifyApplication;
    let url: string;
    const guest: Credentials = { username: 'edge-guest', password: 'Edge-Guest-1A' };

    beforeAll(async () => {
      app = await createApiApp(loadConfig(environment.env));
      await app.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      await app.get(UserService).create({ username: guest.username, password: guest.password });
      for (const project of ['scoped', 'source']) expect((await callApi(url, 'POST', '/projects', { body: { project_name: project } })).status).toBe(201);
      expect((await callApi(url, 'POST', '/projects/scoped/members', { body: { role_id: 3, member_user: { username: guest.username } } })).status).toBe(201);
    });
    afterAll(async () => {
      await app?.close();
    });

    const token = async (scope: string, who: Credentials = TEST_ADMIN): Promise<string> => {
      const answer = await fetch(`${url}/service/token?service=wharf-registry&${scope.split(' ').map((s) => `scope=${encodeURIComponent(s)}`).join('&')}`, { headers: { authorization: basicAuth(who) } });
      expect(answer.status).toBe(200);
      return ((await answer.json()) as { token: string }).token;
    };
    const scopeOf = (challenge: string | null) => /scope="([^"]+)"/.exec(challenge ?? '')?.[1];
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

    it('answers a token narrower than its holder 401 insufficient_scope naming the scope; the wider token it then fetches works', async () => {
      const pullOnly = await token('repository:scoped/app:pull');
      const refused = await fetch(`${url}/v2/scoped/app/blobs/uploads/`, { method: 'POST', headers: bearer(pullOnly) });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(`Bearer realm="${url}/service/token",service="wharf-registry",scope="repository:scoped/app:pull,push",error="insufficient_scope"`);
      expect(((await refused.json()) as { errors: { code: string }[] }).errors[0].code).toBe('UNAUTHORIZED');

      const wider = await token(scopeOf(refused.headers.get('www-authenticate'))!);
      const started = await fetch(`${url}/v2/scoped/app/blobs/uploads/`, { method: 'POST', headers: bearer(wider) });
      expect(started.status).toBe(202);

      // cancelling an upload is a DELETE: it needs delete, as every DELETE on /v2 does
      const location = started.headers.get('location')!;
      const cancel = await fetch(`${url}${location}`, { method: 'DELETE', headers: bearer(wider) });
      expect(cancel.status).toBe(401);
      expect(scopeOf(cancel.headers.get('www-authenticate'))).toBe('repository:scoped/app:pull,delete');
      expect(cancel.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      const withDelete = await token('repository:scoped/app:pull,push,delete');
      expect((await fetch(`${url}${location}`, { method: 'DELETE', headers: bearer(withDelete) })).status).toBe(204);
    });

    it("challenges a cross-repository mount for the source's pull as well", async () => {
      const registry = new RegistryClient(url);
      const blob = await registry.pushBlob('source/base', Buffer.from('a layer to mount'));
      const destOnly = await token('repository:scoped/app:pull,push');
      const mount = await fetch(`${url}/v2/scoped/app/blobs/uploads/?mount=${blob.digest}&from=source/base`, { method: 'POST', headers: bearer(destOnly) });
      expect(mount.status).toBe(401);
      expect(scopeOf(mount.headers.get('www-authenticate'))).toBe('repository:scoped/app:pull,push repository:source/base:pull');
      const both = await token('repository:scoped/app:pull,push repository:source/base:pull');
      const mounted = await fetch(`${url}/v2/scoped/app/blobs/uploads/?mount=${blob.digest}&from=source/base`, { method: 'POST', headers: bearer(both) });
      expect(mounted.status).toBe(201);
    });

    it('keeps 403 DENIED for a holder who lacks the right (a wider token would not be granted)', async () => {
      const granted = await token('repository:scoped/app:pull,push', guest);
      const claims = JSON.parse(Buffer.from(granted.split('.')[1], 'base64url').toString()) as { access: { actions: string[] }[] };
      expect(claims.access[0].actions).toEqual(['pull']);
      const refused = await fetch(`${url}/v2/scoped/app/blobs/uploads/`, { method: 'POST', headers: bearer(granted) });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { errors: { code: string }[] }).errors[0].code).toBe('DENIED');
    });
  });

  describe('worker log lines', () => {
    let app: NestFastifyApplication;
    let url: string;
    let worker: WorkerProcess;

    beforeAll(async () => {
      app = await createApiApp(loadConfig(environment.env));
      await app.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      worker = spawnWorker(environment, { LOG_LEVEL: 'info', WEBHOOK_RETRY_DELAYS_SECONDS: '1' });
    });
    afterAll(async () => {
      await worker?.kill();
      await app?.close();
    });

    it('name the job, its execution and its task', async () => {
      expect((await callApi(url, 'PUT', '/configurations', { body: { webhook_allow_local_network: true } })).status).toBe(200);
      expect((await callApi(url, 'POST', '/projects', { body: { project_name: 'hooked' } })).status).toBe(201);
      const closedPort = await freePort();
      const policy = { name: 'closed', targets: [{ type: 'http', address: `http://127.0.0.1:${closedPort}/hook` }], event_types: ['PUSH_ARTIFACT'], enabled: true };
      expect((await callApi(url, 'POST', '/projects/hooked/webhook/policies', { body: policy })).status).toBe(201);
      await new RegistryClient(url).pushImage('hooked/app', 'v1', { layers: 1 });
      const { rows } = await eventually(async () => {
        const found = await db.query<{ execution_id: string; id: string }>(`SELECT t.execution_id, t.id FROM task t JOIN execution e ON e.id = t.execution_id WHERE e.vendor_type = 'WEBHOOK'`);
        return found.rows.length ? found : undefined;
      });
      const [{ execution_id: executionId, id: taskId }] = rows;
      const lines = () =>
        worker
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { msg?: string; job?: string; jobId?: string; executionId?: number; taskId?: number });
      const failure = await eventually(async () => lines().find((l) => l.msg?.includes(`127.0.0.1:${closedPort}`)));
      expect(failure).toMatchObject({ job: 'webhook-delivery', executionId: Number(executionId), taskId: Number(taskId) });
      expect(failure.jobId).toMatch(/^webhook-/);
      // lines outside a job name none
      expect(lines().find((l) => l.msg?.startsWith('worker started'))).not.toHaveProperty('taskId');
    });
  });

  const describeTls = toolAvailable('openssl') && toolAvailable('skopeo') && toolAvailable('umoci') ? describe : describe.skip;
  describeTls('HTTPS served by the api (TLS_CERT_FILE, TLS_KEY_FILE)', () => {
    let dir: string;
    let child: ReturnType<typeof spawn> | undefined;
    let port: number;
    let output = '';

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wharf-tls-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      // what docker wants in /etc/docker/certs.d/<host:port>/, and skopeo in --cert-dir
      mkdirSync(join(dir, 'certs'));
      execFileSync('cp', [join(dir, 'cert.pem'), join(dir, 'certs', 'ca.crt')]);
      port = await freePort();
      child = spawn(process.execPath, [builtEntry('api')], {
        env: { ...process.env, ...environment.env, PORT: String(port), TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      await eventually(async () => (await httpsGet(port, '/health')).status === 200);
    });
    afterAll(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves HTTPS, and skopeo pushes and inspects with the CA in --cert-dir', async () => {
      const layout = join(dir, 'layout');
      buildImageLayout(layout, 'v1', 1);
      const creds = `${TEST_ADMIN.username}:${TEST_ADMIN.password}`;
      await skopeo(['copy', '--dest-cert-dir', join(dir, 'certs'), '--dest-creds', creds, `oci:${layout}:v1`, `docker://127.0.0.1:${port}/library/tls:v1`]);
      const inspected = JSON.parse(await skopeo(['inspect', '--cert-dir', join(dir, 'certs'), '--creds', creds, `docker://127.0.0.1:${port}/library/tls:v1`])) as { Name: string; Digest: string };
      expect(inspected.Name).toBe(`127.0.0.1:${port}/library/tls`);
      // without the CA the certificate is refused
      await expect(skopeo(['inspect', '--creds', creds, `docker://127.0.0.1:${port}/library/tls:v1`])).rejects.toThrow(/certificate/);
      // the token realm names the scheme the client used
      const challenge = await httpsGet(port, '/v2/');
      expect(challenge.status).toBe(401);
      expect(challenge.headers['www-authenticate']).toBe(`Bearer realm="https://127.0.0.1:${port}/service/token",service="wharf-registry"`);
      expect(output).not.toMatch(/"level":50/);
    });
  });
});

/** Polls until `probe` gives a value (log lines written as the answer goes out). */
async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function httpsGet(port: number, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', () => resolve({ status: 0, headers: {} }));
    req.end();
  });
}
