import type { INestApplicationContext } from '@nestjs/common';
import { UserService } from '@wharf/iam';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { Client } from 'pg';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { startWorker } from '../support/worker-context';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { callApi, type ApiAnswer as Answer, type ApiCallOptions } from '../support/management-api';


interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

const SECRET = 'Bearer webhook-s3cret';

/** A webhook receiver on 127.0.0.1: /ok answers 200, /flaky 500 twice then 200, /down 503 while `down`, /hang never answers; over https with a self-signed certificate when given one. */
class Receiver {
  readonly received: Received[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private flakyFailures = 0;
  down = true;
  url = '';

  constructor(private readonly tls?: { key: Buffer; cert: Buffer }) {
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        this.received.push({ path: request.url ?? '', headers: request.headers, body: text ? JSON.parse(text) : undefined });
        this.answer(request.url ?? '', response);
      });
    };
    this.server = tls ? createHttpsServer(tls, handler) : createServer(handler);
    this.server.on(tls ? 'secureConnection' : 'connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  private answer(path: string, response: ServerResponse): void {
    if (path.startsWith('/hang')) return; // never answers
    if (path.startsWith('/down') && this.down) {
      response.writeHead(503).end('down for maintenance');
      return;
    }
    if (path.startsWith('/flaky') && this.flakyFailures < 2) {
      this.flakyFailures += 1;
      response.writeHead(500).end('try again');
      return;
    }
    response.writeHead(200).end('ok');
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('webhooks: /projects/{p}/webhook/policies and deliveries by the worker', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let registry: RegistryClient;
  const receiver = new Receiver();
  const users: Record<string, Credentials> = {};

  async function call(method: string, path: string, options: ApiCallOptions = {}): Promise<Answer> {
    const answer = await callApi(api.url, method, path, options);
    expect(answer.text).not.toContain('webhook-s3cret');
    return answer;
  }

  const policyBody = (name: string, path: string, eventTypes: string[], extra: Record<string, unknown> = {}) => ({
    name,
    description: `policy ${name}`,
    targets: [{ type: 'http', address: `${receiver.url}${path}`, auth_header: SECRET, skip_cert_verify: false, payload_format: 'CloudEvents' }],
    event_types: eventTypes,
    enabled: true,
    ...extra,
  });

  async function createPolicy(project: string, body: unknown, auth: Credentials = TEST_ADMIN): Promise<number> {
    const answer = await call('POST', `/projects/${project}/webhook/policies`, { body, auth });
    expect(answer.status).toBe(201);
    return Number(answer.headers.get('location')!.split('/').pop());
  }

  /** The policy's executions once `count` of them have ended. */
  async function endedExecutions(project: string, policyId: number, count: number): Promise<any[]> {
    return waitFor(`${count} ended execution(s) of policy ${policyId}`, async () => {
      const answer = await call('GET', `/projects/${project}/webhook/policies/${policyId}/executions`);
      const ended = (answer.json as any[]).filter((e) => e.status !== 'Running');
      return ended.length >= count ? answer.json : undefined;
    });
  }

  beforeAll(async () => {
    await receiver.start();
    // the operator's retry schedule: four attempts, a second apart
    environment = await createTestEnvironment('filesystem', { WEBHOOK_RETRY_DELAYS_SECONDS: '1,1,1' });
    api = await startApi(environment);
    worker = await startWorker(environment);
    registry = new RegistryClient(api.url);
    for (const name of ['ma', 'dev', 'outsider']) {
      const password = `Pass-${name}-1A`;
      await api.app.get(UserService).create({ username: name, password });
      users[name] = { username: name, password };
    }
    // the receivers listen on 127.0.0.1, which webhooks may reach only when a system admin allows it
    expect((await call('PUT', '/configurations', { body: { webhook_allow_local_network: true } })).status).toBe(200);
    for (const project of ['wh', 'wh2', 'wh3', 'wh4']) expect((await call('POST', '/projects', { body: { project_name: project } })).status).toBe(201);
    for (const [name, role] of [['ma', 4], ['dev', 2]] as const) {
      expect((await call('POST', '/projects/wh/members', { body: { role_id: role, member_user: { username: name } } })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await receiver.close();
    await worker?.close();
    await api?.close();
    await environment?.close();
  });

  describe('policies API', () => {
    it('creates, reads (auth header masked), updates and deletes a policy', async () => {
      const id = await createPolicy('wh', policyBody('crud', '/crud', ['PUSH_ARTIFACT']));
      const read = await call('GET', `/projects/wh/webhook/policies/${id}`);
      expect(read.status).toBe(200);
      expect(read.json).toMatchObject({
        id,
        name: 'crud',
        description: 'policy crud',
        enabled: true,
        event_types: ['PUSH_ARTIFACT'],
        creator: 'admin',
        targets: [{ type: 'http', address: `${receiver.url}/crud`, auth_header: '*****', skip_cert_verify: false, payload_format: 'CloudEvents' }],
      });
      const list = await call('GET', '/projects/wh/webhook/policies');
      expect(list.headers.get('x-total-count')).toBe('1');
      // sending the mask back keeps the stored secret
      expect((await call('PUT', `/projects/wh/webhook/policies/${id}`, { body: { ...read.json, enabled: false } })).status).toBe(200);
      expect((await call('GET', `/projects/wh/webhook/policies/${id}`)).json).toMatchObject({ enabled: false, targets: [{ auth_header: '*****' }] });
      // at rest the header is sealed, before and after that update
      const db = new Client({ connectionString: environment.config.DATABASE_URL });
      await db.connect();
      try {
        const stored = (await db.query<{ targets: string }>(`SELECT targets::text FROM webhook_policy WHERE id = $1`, [id])).rows[0].targets;
        expect(stored).not.toContain(SECRET);
        expect(JSON.parse(stored)[0].auth_header).toMatch(/^v1:/);
      } finally {
        await db.end();
      }
      expect((await call('POST', '/projects/wh/webhook/policies', { body: policyBody('crud', '/crud', ['PUSH_ARTIFACT']) })).status).toBe(409);
      expect((await call('POST', '/projects/wh/webhook/policies', { body: policyBody('bad', '/crud', ['NO_SUCH_EVENT']) })).status).toBe(400);
      expect((await call('POST', '/projects/wh/webhook/policies', { body: { ...policyBody('bad', '/crud', ['PUSH_ARTIFACT']), targets: [{ address: 'ftp://x' }] } })).status).toBe(400);
      // credentials in the address would be stored and shown in clear: they go in auth_header
      const withUserinfo = await call('POST', '/projects/wh/webhook/policies', { body: { ...policyBody('bad', '/crud', ['PUSH_ARTIFACT']), targets: [{ address: `http://hook:pa55word@${receiver.url.slice('http://'.length)}/x` }] } });
      expect(withUserinfo.status).toBe(400);
      expect(withUserinfo.json.errors[0].message).toMatch(/auth_header/);
      expect(withUserinfo.text).not.toContain('pa55word');
      expect((await call('PUT', `/projects/wh/webhook/policies/${id}`, { body: { ...read.json, targets: [{ ...read.json.targets[0], address: 'https://u:p@hooks.example.com/' }] } })).status).toBe(400);
      expect((await call('DELETE', `/projects/wh/webhook/policies/${id}`)).status).toBe(200);
      expect((await call('GET', `/projects/wh/webhook/policies/${id}`)).status).toBe(404);
    });

    it('lets project admins manage policies; maintainers list; developers and outsiders nothing', async () => {
      expect((await call('GET', '/projects/wh/webhook/policies', { auth: users.ma })).status).toBe(200);
      expect((await call('POST', '/projects/wh/webhook/policies', { auth: users.ma, body: policyBody('m', '/m', ['PUSH_ARTIFACT']) })).status).toBe(403);
      expect((await call('GET', '/projects/wh/webhook/policies', { auth: users.dev })).status).toBe(403);
      expect((await call('GET', '/projects/wh/webhook/policies', { auth: users.outsider })).status).toBe(404);
      expect((await call('GET', '/projects/wh/webhook/events')).json.event_type).toEqual(expect.arrayContaining(['PUSH_ARTIFACT', 'PULL_ARTIFACT', 'DELETE_ARTIFACT', 'QUOTA_EXCEED']));
    });
  });

  describe('deliveries', () => {
    it('posts a CloudEvent with the auth header for a push and for a delete, each an execution with a task and a log', async () => {
      const policyId = await createPolicy('wh', policyBody('ok', '/ok', ['PUSH_ARTIFACT', 'DELETE_ARTIFACT']));
      const { digest } = await registry.pushImage('wh/team/app', 'v1');
      const pushed = await waitFor('the push event', () => receiver.on('/ok')[0]);
      expect(pushed.headers.authorization).toBe(SECRET);
      expect(pushed.headers['content-type']).toBe('application/cloudevents+json');
      expect(pushed.body).toMatchObject({
        specversion: '1.0',
        type: 'harbor.artifact.pushed',
        source: expect.stringMatching(new RegExp(`^/projects/\\d+/webhook/policies/${policyId}$`)),
        datacontenttype: 'application/json',
        operator: 'admin',
        data: {
          repository: { name: 'team/app', namespace: 'wh', repo_full_name: 'wh/team/app' },
          resources: [{ digest, tag: 'v1', resource_url: expect.stringContaining(`/wh/team/app:v1`) }],
        },
      });
      expect(typeof pushed.body.id).toBe('string');
      expect(Number.isNaN(Date.parse(pushed.body.time))).toBe(false);

      expect((await registry.fetch(`/v2/wh/team/app/manifests/${digest}`, { method: 'DELETE' })).status).toBe(202);
      const deleted = await waitFor('the delete event', () => receiver.on('/ok')[1]);
      expect(deleted.headers.authorization).toBe(SECRET);
      expect(deleted.body).toMatchObject({ type: 'harbor.artifact.deleted', data: { resources: [{ digest, tag: 'v1' }] } });
      expect(deleted.body.id).not.toBe(pushed.body.id);

      const executions = await endedExecutions('wh', policyId, 2);
      expect(executions).toHaveLength(2);
      for (const execution of executions) {
        expect(execution).toMatchObject({ vendor_type: 'WEBHOOK', vendor_id: policyId, trigger: 'EVENT', status: 'Success', metrics: { task_count: 1, success_task_count: 1 } });
      }
      const tasks = await call('GET', `/projects/wh/webhook/policies/${policyId}/executions/${executions[0].id}/tasks`);
      expect(tasks.json).toHaveLength(1);
      expect(tasks.json[0]).toMatchObject({ status: 'Success', execution_id: executions[0].id });
      const log = await call('GET', `/projects/wh/webhook/policies/${policyId}/executions/${executions[0].id}/tasks/${tasks.json[0].id}/log`);
      expect(log.status).toBe(200);
      expect(log.text).toContain(`POST ${receiver.url}/ok -> HTTP 200`);
      const triggers = await call('GET', '/projects/wh/webhook/lasttrigger');
      expect(triggers.json).toEqual([
        expect.objectContaining({ policy_name: 'ok', event_type: 'DELETE_ARTIFACT', enabled: true }),
        expect.objectContaining({ policy_name: 'ok', event_type: 'PUSH_ARTIFACT', enabled: true }),
      ]);
      // an execution of another policy is not found under this one
      expect((await call('GET', `/projects/wh/webhook/policies/${policyId + 1000}/executions`)).status).toBe(404);
      // only the subscribed event types: no pull events for this policy
      expect(receiver.on('/ok')).toHaveLength(2);
    });

    it('retries a failing target with backoff until it answers, visible in the execution', async () => {
      const policyId = await createPolicy('wh2', policyBody('flaky', '/flaky', ['PUSH_ARTIFACT']));
      await registry.pushImage('wh2/app', 'v1');
      const [execution] = await endedExecutions('wh2', policyId, 1);
      expect(execution.status).toBe('Success');
      expect(receiver.on('/flaky')).toHaveLength(3);
      const tasks = await call('GET', `/projects/wh2/webhook/policies/${policyId}/executions/${execution.id}/tasks`);
      expect(tasks.json[0].progress).toMatchObject({ attempts: 3, last_status: 200 });
      const log = await call('GET', `/projects/wh2/webhook/policies/${policyId}/executions/${execution.id}/tasks/${tasks.json[0].id}/log`);
      expect(log.text.match(/-> HTTP 500/g)).toHaveLength(2);
      expect(log.text).toContain('attempt 3: POST');
      expect(log.text).toContain('-> HTTP 200');
    });

    it('follows WEBHOOK_RETRY_DELAYS_SECONDS, and delivers a failed execution again on request (a new MANUAL execution)', async () => {
      receiver.down = true;
      const policyId = await createPolicy('wh3', policyBody('down', '/down', ['PUSH_ARTIFACT']));
      await registry.pushImage('wh3/app', 'v1');
      const [failed] = await endedExecutions('wh3', policyId, 1);
      expect(failed.status).toBe('Error');
      // four attempts: the first and one after each of the three delays
      expect(receiver.on('/down')).toHaveLength(4);
      const tasks = await call('GET', `/projects/wh3/webhook/policies/${policyId}/executions/${failed.id}/tasks`);
      expect(tasks.json[0].progress).toMatchObject({ attempts: 4, last_status: 503 });

      // an unknown execution is a 404
      expect((await call('POST', `/projects/wh3/webhook/policies/${policyId}/executions/999999/retry`)).status).toBe(404);
      receiver.down = false;
      const retried = await call('POST', `/projects/wh3/webhook/policies/${policyId}/executions/${failed.id}/retry`);
      expect(retried.status).toBe(201);
      const newId = Number(retried.headers.get('location')!.split('/').pop());
      expect(retried.headers.get('location')).toBe(`/api/v2.0/projects/wh3/webhook/policies/${policyId}/executions/${newId}`);
      const executions = await endedExecutions('wh3', policyId, 2);
      const again = executions.find((e: any) => e.id === newId);
      expect(again).toMatchObject({ status: 'Success', trigger: 'MANUAL', extra_attrs: { event_type: 'PUSH_ARTIFACT', event_id: failed.extra_attrs.event_id, redelivery_of: failed.id } });
      const delivered = receiver.on('/down').slice(4);
      expect(delivered).toHaveLength(1);
      expect(delivered[0].body.type).toBe('harbor.artifact.pushed');
      expect(delivered[0].headers.authorization).toBe(SECRET);
      expect((await call('DELETE', `/projects/wh3/webhook/policies/${policyId}`)).status).toBe(200);
    });

    it('sends a test event to the targets given (200), naming the ones that did not take it (400)', async () => {
      const test = (path: string, extra: Record<string, unknown> = {}) =>
        call('POST', '/projects/wh/webhook/policies/test', { body: { ...policyBody('t', path, ['PUSH_ARTIFACT']), ...extra } });
      const ok = await test('/ok-test');
      expect(ok.status).toBe(200);
      const [received] = receiver.on('/ok-test');
      expect(received.body).toMatchObject({ type: 'harbor.webhook.test', operator: 'admin', data: { repository: { namespace: 'wh' } } });
      expect(received.headers.authorization).toBe(SECRET);
      const defaultFormat = await call('POST', '/projects/wh/webhook/policies/test', { body: { targets: [{ address: `${receiver.url}/ok-default` }] } });
      expect(defaultFormat.status).toBe(200);
      expect(receiver.on('/ok-default')[0].body).toMatchObject({ type: 'TEST', event_data: { repository: { namespace: 'wh' } } });
      receiver.down = true;
      const refused = await test('/down-test');
      expect(refused.status).toBe(400);
      expect(refused.json.errors[0].message).toContain(`${receiver.url}/down-test: HTTP 503`);
      expect((await test('/ok-test', { targets: [{ address: 'ftp://example.com/' }] })).status).toBe(400);
      // project admins may (as they create policies); maintainers and developers may not
      expect((await call('POST', '/projects/wh/webhook/policies/test', { body: policyBody('t', '/ok-test', ['PUSH_ARTIFACT']), auth: users.ma })).status).toBe(403);
      expect((await call('POST', '/projects/wh/webhook/policies/test', { body: policyBody('t', '/ok-test', ['PUSH_ARTIFACT']), auth: users.dev })).status).toBe(403);
    });

    it('delivers pulls (manifest GETs, batched) to policies that want them', async () => {
      const policyId = await createPolicy('wh2', policyBody('pulls', '/pulls', ['PULL_ARTIFACT']));
      const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
      expect((await registry.fetch('/v2/wh2/app/manifests/v1', { headers: accept })).status).toBe(200);
      expect((await registry.fetch('/v2/wh2/app/manifests/v1', { method: 'HEAD', headers: accept })).status).toBe(200);
      const pulled = await waitFor('the pull event', () => receiver.on('/pulls')[0]);
      expect(pulled.body).toMatchObject({ type: 'harbor.artifact.pulled', operator: 'admin', data: { repository: { repo_full_name: 'wh2/app' }, resources: [{ tag: 'v1' }] } });
      await endedExecutions('wh2', policyId, 1);
      // HEAD is not a pull
      expect(receiver.on('/pulls')).toHaveLength(1);
    });

    it('accepts a self-signed certificate only with skip_cert_verify', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wharf-webhook-tls-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const secure = new Receiver({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
      rmSync(dir, { recursive: true, force: true });
      await secure.start();
      try {
        const target = (path: string, skip: boolean) => ({ type: 'http', address: `${secure.url}${path}`, auth_header: SECRET, skip_cert_verify: skip, payload_format: 'CloudEvents' });
        const skipping = await createPolicy('wh3', { name: 'tls-skip', targets: [target('/tls-skip', true)], event_types: ['DELETE_TAG'] });
        const verifying = await createPolicy('wh3', { name: 'tls-verify', targets: [target('/tls-verify', false)], event_types: ['DELETE_TAG'] });
        await registry.pushImage('wh3/tls', 'gone');
        expect((await registry.fetch('/v2/wh3/tls/manifests/gone', { method: 'DELETE' })).status).toBe(202);
        const delivered = await waitFor('the https delivery', () => secure.on('/tls-skip')[0]);
        expect(delivered.body).toMatchObject({ type: 'harbor.tag.deleted', data: { resources: [{ tag: 'gone' }] } });
        expect(delivered.headers.authorization).toBe(SECRET);
        // verifying the certificate fails before any request reaches the receiver
        const [execution] = await waitFor('a refused https attempt', async () => {
          const answer = await call('GET', `/projects/wh3/webhook/policies/${verifying}/executions`);
          return answer.json.length ? answer.json : undefined;
        });
        const tasks = await call('GET', `/projects/wh3/webhook/policies/${verifying}/executions/${execution.id}/tasks`);
        const log = await waitFor('the first attempt logged', async () => {
          const answer = await call('GET', `/projects/wh3/webhook/policies/${verifying}/executions/${execution.id}/tasks/${tasks.json[0].id}/log`);
          return answer.text.includes('attempt 1') ? answer.text : undefined;
        });
        expect(log).toMatch(/certificate/i);
        expect(secure.on('/tls-verify')).toHaveLength(0);
        // no more attempts for a policy that is gone
        expect((await call('DELETE', `/projects/wh3/webhook/policies/${verifying}`)).status).toBe(200);
        expect((await call('DELETE', `/projects/wh3/webhook/policies/${skipping}`)).status).toBe(200);
      } finally {
        await secure.close();
      }
    });

    it('does not slow a push down when the target hangs', async () => {
      await createPolicy('wh3', policyBody('hang', '/hang', ['PUSH_ARTIFACT']));
      await registry.pushImage('wh3/app', 'warmup');
      await waitFor('the hanging delivery', () => receiver.on('/hang')[0]);
      const started = Date.now();
      await registry.pushImage('wh3/app', 'v1');
      const elapsed = Date.now() - started;
      // the target never answers (a delivery would wait for its 10 s timeout): the push is done long before
      expect(elapsed).toBeLessThan(8_000);
      await waitFor('the second hanging delivery', () => receiver.on('/hang')[1]);
    });
  });

  describe('the local network', () => {
    const setAllowLocalNetwork = async (allowed: boolean) => expect((await call('PUT', '/configurations', { body: { webhook_allow_local_network: allowed } })).status).toBe(200);
    const port = () => new URL(receiver.url).port;
    const target = (address: string) => ({ type: 'http', address, auth_header: SECRET, payload_format: 'Default' });

    it('is refused by default when a policy is saved: loopback, private, link-local and their other spellings (400), a public address is not', async () => {
      await setAllowLocalNetwork(false);
      try {
        expect((await call('GET', '/configurations')).json.webhook_allow_local_network).toEqual({ value: false, editable: true });
        for (const address of [
          `${receiver.url}/local`,
          `http://localhost:${port()}/local`,
          `http://[::1]:${port()}/local`,
          `http://[::ffff:127.0.0.1]:${port()}/local`,
          'http://2130706433/',
          'http://0x7f000001/',
          'http://169.254.169.254/latest/meta-data/',
          'http://10.0.0.1/',
          'http://192.168.1.1/',
          'http://172.16.5.4/',
          'http://100.64.0.1/',
          'http://0.0.0.0/',
          'http://[fd00::1]/',
          'http://[fe80::1]/',
        ]) {
          const answer = await call('POST', '/projects/wh4/webhook/policies', { body: { name: 'local', targets: [target(address)], event_types: ['PUSH_ARTIFACT'] } });
          expect({ address, status: answer.status }).toEqual({ address, status: 400 });
          expect(answer.json.errors[0].message).toMatch(/local network.*webhook_allow_local_network/);
        }
        // another target of the policy on the local network refuses it all
        const mixed = await call('POST', '/projects/wh4/webhook/policies', { body: { name: 'local', targets: [target('http://93.184.215.14/hook'), target(`${receiver.url}/x`)], event_types: ['PUSH_ARTIFACT'] } });
        expect(mixed.status).toBe(400);
        const publicPolicy = await createPolicy('wh4', { name: 'public', targets: [target('http://93.184.215.14/hook')], event_types: ['QUOTA_EXCEED'] });
        expect((await call('DELETE', `/projects/wh4/webhook/policies/${publicPolicy}`)).status).toBe(200);
      } finally {
        await setAllowLocalNetwork(true);
      }
    });

    it('is checked again at delivery: a policy saved while allowed delivers nothing once the setting is off, open and closed ports alike', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve));
      // by name (resolved at delivery) and by address, an open port and a closed one
      const targets = [target(`http://localhost:${port()}/blocked-by-name`), target(`http://127.0.0.1:${closedPort}/blocked-closed`)];
      const policyId = await createPolicy('wh4', { name: 'rebound', targets, event_types: ['PUSH_ARTIFACT'] });
      await setAllowLocalNetwork(false);
      try {
        await registry.pushImage('wh4/app', 'v1');
        const [execution] = await endedExecutions('wh4', policyId, 1);
        expect(execution).toMatchObject({ status: 'Error', metrics: { task_count: 2, error_task_count: 2 } });
        const tasks = (await call('GET', `/projects/wh4/webhook/policies/${policyId}/executions/${execution.id}/tasks`)).json as any[];
        const logs = await Promise.all(tasks.map(async (task) => (await call('GET', `/projects/wh4/webhook/policies/${policyId}/executions/${execution.id}/tasks/${task.id}/log`)).text));
        for (const log of logs) {
          expect(log).toContain('attempt 1: POST');
          expect(log).toContain('-> address not allowed by policy');
          // nothing that tells an open port from a closed one
          expect(log).not.toMatch(/refused|ECONN|timeout/i);
        }
        expect(receiver.on('/blocked-by-name')).toHaveLength(0);
      } finally {
        await setAllowLocalNetwork(true);
      }
      // allowed again: the same policy delivers
      await registry.pushImage('wh4/app', 'v2');
      const delivered = await waitFor('the delivery once allowed', () => receiver.on('/blocked-by-name')[0]);
      expect(delivered.headers.authorization).toBe(SECRET);
      expect((await call('DELETE', `/projects/wh4/webhook/policies/${policyId}`)).status).toBe(200);
    });

    it('applies to test events too: a local target is not reached while the setting is off', async () => {
      await setAllowLocalNetwork(false);
      try {
        const before = receiver.on('/local-test').length;
        const answer = await call('POST', '/projects/wh/webhook/policies/test', { body: { targets: [target(`${receiver.url}/local-test`)] } });
        expect(answer.status).toBe(400);
        expect(answer.json.errors[0].message).toContain('address not allowed');
        expect(receiver.on('/local-test')).toHaveLength(before);
      } finally {
        await setAllowLocalNetwork(true);
      }
    });

    it('reports a closed port, when the local network is allowed, as a class of failure', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve));
      const policyId = await createPolicy('wh4', { name: 'closed', targets: [target(`http://127.0.0.1:${closedPort}/closed`)], event_types: ['DELETE_TAG'] });
      await registry.pushImage('wh4/gone', 'gone');
      expect((await registry.fetch('/v2/wh4/gone/manifests/gone', { method: 'DELETE' })).status).toBe(202);
      const [execution] = await waitFor('an attempt', async () => {
        const answer = await call('GET', `/projects/wh4/webhook/policies/${policyId}/executions`);
        return answer.json.length ? answer.json : undefined;
      });
      const [task] = (await call('GET', `/projects/wh4/webhook/policies/${policyId}/executions/${execution.id}/tasks`)).json;
      const log = await waitFor('the first attempt logged', async () => {
        const answer = await call('GET', `/projects/wh4/webhook/policies/${policyId}/executions/${execution.id}/tasks/${task.id}/log`);
        return answer.text.includes('attempt 1') ? answer.text : undefined;
      });
      expect(log).toContain('-> connection refused');
      expect(log).not.toContain('ECONNREFUSED');
      expect((await call('DELETE', `/projects/wh4/webhook/policies/${policyId}`)).status).toBe(200);
    });
  });
});
