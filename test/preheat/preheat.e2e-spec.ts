/**
 * P2P preheat end to end: instances (auth_info sealed and masked, ping, health, 412 in use),
 * policies and their filters with the preview, runs on the three fake providers of
 * test/support/p2p-providers.ts (each really pulling the manifest and every blob from Wharf with
 * the URL and headers it was handed), the push trigger through the event stream, a schedule,
 * a stop mid-run, and the provider failures each ending the task as Error with the reason.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { FakeDragonflyManager, FakeDragonflySupernode, FakeKraken } from '../support/p2p-providers';
import { RegistryClient, sha256 } from '../support/registry-client';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { callApi, type ApiAnswer, type ApiCallOptions } from '../support/management-api';
import { startWorker } from '../support/worker-context';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const PAT = 'dragonfly-personal-access-token-s3cret';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('P2P preheat', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let registry: RegistryClient;
  let db: Client;
  const manager = new FakeDragonflyManager(PAT);
  const supernode = new FakeDragonflySupernode();
  let kraken: FakeKraken;
  const images: Record<string, { digest: string; blobs: string[] }> = {};

  async function call(method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> {
    const answer = await callApi(api.url, method, path, options);
    expect(answer.text).not.toContain(PAT);
    return answer;
  }

  async function createInstance(body: Record<string, unknown>): Promise<number> {
    const answer = await call('POST', '/p2p/preheat/instances', { body });
    expect(answer.status).toBe(201);
    return (await call('GET', `/p2p/preheat/instances/${body.name}`)).json.id;
  }

  async function createPolicy(project: string, body: Record<string, unknown>): Promise<void> {
    const answer = await call('POST', `/projects/${project}/preheat/policies`, { body });
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 201, text: '' });
  }

  async function run(project: string, policy: string): Promise<number> {
    const answer = await call('POST', `/projects/${project}/preheat/policies/${policy}`, { body: {} });
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 201, text: '' });
    return Number(answer.headers.get('location')!.split('/').pop());
  }

  async function ended(project: string, policy: string, executionId: number): Promise<any> {
    return waitFor(`execution ${executionId} to end`, async () => {
      const answer = await call('GET', `/projects/${project}/preheat/policies/${policy}/executions/${executionId}`);
      return answer.json.status !== 'Running' ? answer.json : undefined;
    });
  }

  async function tasks(project: string, policy: string, executionId: number): Promise<any[]> {
    return (await call('GET', `/projects/${project}/preheat/policies/${policy}/executions/${executionId}/tasks?page_size=100`)).json;
  }

  async function log(project: string, policy: string, executionId: number, taskId: number): Promise<string> {
    const answer = await call('GET', `/projects/${project}/preheat/policies/${policy}/executions/${executionId}/tasks/${taskId}/logs`);
    expect(answer.status).toBe(200);
    return answer.text;
  }

  async function push(repository: string, tag: string, layers = 2): Promise<void> {
    const pushed = await registry.pushImage(repository, tag, { layers });
    const manifest = JSON.parse(pushed.manifest.toString('utf8'));
    images[`${repository}:${tag}`] = { digest: pushed.digest, blobs: [manifest.config.digest, ...pushed.layers.map((l) => l.digest)] };
  }

  /** A cosign signature (an OCI manifest whose subject is the image). */
  async function sign(repository: string, tag: string): Promise<void> {
    const subject = images[`${repository}:${tag}`];
    const config = await registry.pushBlob(repository, Buffer.from('{}'));
    const layer = await registry.pushBlob(repository, Buffer.from(`signature of ${subject.digest}`));
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: { ...config, mediaType: 'application/vnd.oci.empty.v1+json' },
      layers: [{ ...layer, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject.digest, size: 1 },
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    expect((await registry.pushManifest(repository, sha256(bytes), bytes, 'application/vnd.oci.image.manifest.v1+json')).status).toBe(201);
  }

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    // the worker hands providers URLs under the api's address, and polls every second
    worker = await startWorker(environment, { EXTERNAL_URL: api.url, PREHEAT_POLL_INTERVAL_SECONDS: '1' });
    registry = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    kraken = new FakeKraken(basicAuth(TEST_ADMIN));
    await Promise.all([manager.start(), supernode.start(), kraken.start()]);
    for (const project of ['p2p', 'other']) expect((await call('POST', '/projects', { body: { project_name: project } })).status).toBe(201);
    await push('p2p/app', 'v1');
    await push('p2p/app', 'v2');
    await push('p2p/app', 'dev');
    await push('p2p/team/web', 'v1');
    await push('p2p/tools', 'latest', 1);
    await push('other/app', 'v1', 1);
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.end();
    await Promise.all([manager.stop(), supernode.stop(), kraken?.stop()]);
    await environment?.close();
  });

  describe('providers and instances', () => {
    it('lists the providers with their auth modes', async () => {
      const answer = await call('GET', '/p2p/preheat/providers');
      expect(answer.status).toBe(200);
      expect(answer.json.map((p: { id: string; auth_mode: string[] }) => [p.id, p.auth_mode])).toEqual([
        ['dragonfly', ['NONE', 'BASIC', 'OAUTH', 'CUSTOM']],
        ['kraken', ['NONE', 'BASIC', 'OAUTH', 'CUSTOM']],
      ]);
    });

    it('creates an instance with auth_info sealed at rest and masked in answers, keeps it on update, pings it', async () => {
      await createInstance({ name: 'df', vendor: 'dragonfly', endpoint: manager.url, auth_mode: 'OAUTH', auth_info: { token: PAT }, enabled: true, default: true, insecure: false });
      const read = await call('GET', '/p2p/preheat/instances/df');
      expect(read.json).toMatchObject({ name: 'df', vendor: 'dragonfly', api_version: 'v2', endpoint: manager.url, auth_mode: 'OAUTH', auth_info: { token: '*****' }, enabled: true, default: true, insecure: false });
      expect(typeof read.json.setup_timestamp).toBe('number');
      const { rows } = await db.query(`SELECT auth_info_sealed FROM p2p_preheat_instance WHERE name = 'df'`);
      expect(rows[0].auth_info_sealed).toMatch(/^v1:/);
      expect(rows[0].auth_info_sealed).not.toContain(PAT);
      // the mask sent back, and auth_info left out, both keep the token
      expect((await call('PUT', '/p2p/preheat/instances/df', { body: { ...read.json, description: 'the manager' } })).status).toBe(200);
      expect((await call('PUT', '/p2p/preheat/instances/df', { body: { name: 'df', vendor: 'dragonfly', endpoint: manager.url, auth_mode: 'OAUTH' } })).status).toBe(200);
      expect((await call('POST', '/p2p/preheat/instances/ping', { body: { id: read.json.id } })).status).toBe(200);
      // the stored token only ever goes to the endpoint it was stored for
      const elsewhere = await call('POST', '/p2p/preheat/instances/ping', { body: { id: read.json.id, endpoint: kraken.url, auth_mode: 'OAUTH', auth_info: { token: '*****' } } });
      expect(elsewhere.status).toBe(400);
      expect(kraken.requests.some((r) => JSON.stringify(r.headers).includes(PAT))).toBe(false);
      // a provider that does not answer: 400 with the reason
      expect((await call('POST', '/p2p/preheat/instances/ping', { body: { vendor: 'kraken', endpoint: 'http://127.0.0.1:1' } })).status).toBe(400);
      const list = await call('GET', '/p2p/preheat/instances?q=name%3Ddf');
      expect(list.headers.get('x-total-count')).toBe('1');
      expect((await call('POST', '/p2p/preheat/instances', { body: { name: 'df', vendor: 'kraken', endpoint: kraken.url } })).status).toBe(409);
      expect((await call('POST', '/p2p/preheat/instances', { body: { name: 'bad', vendor: 'dragonfly', endpoint: manager.url, auth_mode: 'OAUTH', auth_info: {} } })).status).toBe(400);
      // audited by name, never with the credential
      const audit = (await call('GET', '/audit-logs?page_size=100')).json as { resource_type: string; resource: string; operation: string }[];
      expect(audit.filter((e) => e.resource_type === 'preheat-instance' && e.resource === 'df').map((e) => e.operation).sort()).toEqual(['create', 'update', 'update']);
    });

    it('refuses to delete an instance a policy uses (412), deletes it once unused', async () => {
      await createInstance({ name: 'spare', vendor: 'kraken', endpoint: kraken.url });
      const id = (await call('GET', '/p2p/preheat/instances/spare')).json.id;
      await createPolicy('other', { name: 'uses-spare', provider_id: id, filters: '[]', trigger: '{"type":"manual"}', enabled: true });
      const refused = await call('DELETE', '/p2p/preheat/instances/spare');
      expect(refused.status).toBe(412);
      expect(refused.json.errors[0].message).toContain('uses-spare');
      expect((await call('DELETE', '/projects/other/preheat/policies/uses-spare')).status).toBe(200);
      expect((await call('DELETE', '/p2p/preheat/instances/spare')).status).toBe(200);
      expect((await call('GET', '/p2p/preheat/instances/spare')).status).toBe(404);
    });
  });

  describe('runs on Dragonfly v2 (manager open API)', () => {
    it('hands each selected artifact to the manager byte for byte, which pulls manifest and blobs with the token given', async () => {
      const providerId = (await call('GET', '/p2p/preheat/instances/df')).json.id;
      await createPolicy('p2p', {
        name: 'app-v',
        description: 'app releases',
        provider_id: providerId,
        filters: JSON.stringify([{ type: 'repository', value: 'app' }, { type: 'tag', value: '{v1*,v2}' }]),
        trigger: JSON.stringify({ type: 'manual', trigger_setting: {} }),
        enabled: true,
        extra_attrs: JSON.stringify({ scope: 'all_seed_peers', cluster_ids: [1, 2] }),
      });
      const policy = (await call('GET', '/projects/p2p/preheat/policies/app-v')).json;
      expect(policy).toMatchObject({ name: 'app-v', provider_id: providerId, provider_name: 'df', enabled: true, trigger: '{"type":"manual","trigger_setting":{}}' });
      const posts = manager.on('POST', '/oapi/v1/jobs').length;
      const executionId = await run('p2p', 'app-v');
      const execution = await ended('p2p', 'app-v', executionId);
      expect(execution).toMatchObject({ vendor_type: 'P2P_PREHEAT', trigger: 'MANUAL', status: 'Success', metrics: { task_count: 2, success_task_count: 2 } });
      const sent = manager.on('POST', '/oapi/v1/jobs').slice(posts);
      expect(sent).toHaveLength(2);
      for (const [i, tag] of ['v1', 'v2'].entries()) {
        const request = sent.find((r) => r.body.includes(`/manifests/${tag}"`))!;
        expect(request.headers.authorization).toBe(`Bearer ${PAT}`);
        expect(request.headers.accept).toBe('application/json');
        expect(request.headers['content-type']).toBe('application/json');
        const body = JSON.parse(request.body);
        const token = body.args.headers.Authorization;
        expect(token).toMatch(/^Bearer ey/);
        // exactly the contract's fields, nothing else
        expect(request.body).toBe(
          JSON.stringify({
            type: 'preheat',
            args: { type: 'image', url: `${api.url}/v2/p2p/app/manifests/${tag}`, headers: { Authorization: token }, scope: 'all_seed_peers', timeout: 0 },
            scheduler_cluster_ids: [1, 2],
          }),
        );
        // the manager pulled the manifest and every blob with that token
        const pulled = manager.pulls.filter((p) => p.authorization === token);
        expect(pulled.every((p) => p.status === 200)).toBe(true);
        expect(pulled.filter((p) => p.digest).map((p) => p.digest).sort()).toEqual([...images[`p2p/app:${tag}`].blobs].sort());
        // pull-only, for that repository only
        const other = await fetch(`${api.url}/v2/p2p/tools/manifests/latest`, { headers: { authorization: token } });
        expect([401, 403]).toContain(other.status);
        const write = await fetch(`${api.url}/v2/p2p/app/blobs/uploads/`, { method: 'POST', headers: { authorization: token } });
        expect([401, 403]).toContain(write.status);
        // valid as long as the task may run (60 minutes), not a login token's 30
        const claims = JSON.parse(Buffer.from(token.slice(7).split('.')[1], 'base64url').toString('utf8'));
        expect(claims.exp - claims.iat).toBeGreaterThan(59 * 60);
        expect(claims.access).toEqual([{ type: 'repository', name: 'p2p/app', actions: ['pull'] }]);
        expect(claims.sub).toBe('p2p-preheat:df');
        void i;
      }
      const list = await tasks('p2p', 'app-v', executionId);
      expect(list.map((t) => t.extra_attrs.artifact).sort()).toEqual(['p2p/app:v1', 'p2p/app:v2']);
      const text = await log('p2p', 'app-v', executionId, list[0].id);
      expect(text).toContain('is healthy');
      expect(text).toMatch(/dragonfly job \d+ created/);
      expect(text).toContain('SUCCESS');
      // the health check was recorded on the instance
      expect((await call('GET', '/p2p/preheat/instances/df')).json.status).toBe('Healthy');
    });

    it('ends the task as Error with the reason on 401, 403, 422, 429 and a provider that is down', async () => {
      const providerId = (await call('GET', '/p2p/preheat/instances/df')).json.id;
      await createPolicy('p2p', { name: 'tools', provider_id: providerId, filters: JSON.stringify([{ type: 'repository', value: 'tools' }]), trigger: '{"type":"manual"}', enabled: true });
      const outcomes: Record<string, { message: string; log: string }> = {};
      for (const mode of ['unauthorized', 'forbidden', 'unprocessable', 'rate-limited'] as const) {
        manager.mode = mode;
        const executionId = await run('p2p', 'tools');
        const execution = await ended('p2p', 'tools', executionId);
        expect(execution.status).toBe('Error');
        const [task] = await tasks('p2p', 'tools', executionId);
        expect(task.status).toBe('Error');
        outcomes[mode] = { message: task.status_message, log: await log('p2p', 'tools', executionId, task.id) };
      }
      manager.mode = 'ok';
      expect(outcomes.unauthorized.message).toContain('unauthorized');
      expect(outcomes.unauthorized.message).toContain('HTTP 401');
      expect(outcomes.unauthorized.log).toContain('invalid personal access token');
      expect(outcomes.forbidden.message).toContain('forbidden');
      expect(outcomes.forbidden.log).toContain('permission deny');
      expect(outcomes.unprocessable.message).toContain('invalid');
      expect(outcomes.unprocessable.log).toContain('scheduler cluster 7 not found');
      expect(outcomes['rate-limited'].message).toContain('rate-limited');
      expect(outcomes['rate-limited'].log).toContain('rate limit exceeded');

      await manager.stop();
      try {
        const executionId = await run('p2p', 'tools');
        expect((await ended('p2p', 'tools', executionId)).status).toBe('Error');
        const [task] = await tasks('p2p', 'tools', executionId);
        expect(task.status_message).toContain('provider df is down');
        expect((await call('GET', '/p2p/preheat/instances/df')).json).toMatchObject({ status: 'Unhealthy' });
      } finally {
        await manager.restart();
      }
    });

    it('stops a run mid-way (PATCH status Stopped)', async () => {
      manager.mode = 'hold';
      try {
        const executionId = await run('p2p', 'tools');
        await waitFor('the task to be running at the provider', async () => {
          const [task] = await tasks('p2p', 'tools', executionId);
          return task.status === 'Running' && task.progress?.provider_task_id ? task : undefined;
        });
        const stop = await call('PATCH', `/projects/p2p/preheat/policies/tools/executions/${executionId}`, { body: { status: 'Stopped' } });
        expect(stop.status).toBe(200);
        const execution = await ended('p2p', 'tools', executionId);
        expect(execution.status).toBe('Stopped');
        const [task] = await tasks('p2p', 'tools', executionId);
        expect(task.status).toBe('Stopped');
        expect(await log('p2p', 'tools', executionId, task.id)).toContain('stopped on request');
        expect((await call('PATCH', `/projects/p2p/preheat/policies/tools/executions/${executionId}`, { body: { status: 'Stopped' } })).status).toBe(412);
      } finally {
        manager.mode = 'ok';
      }
    });
  });

  describe('runs on Dragonfly v1 (supernode) and Kraken', () => {
    it('speaks the supernode API when the instance says api_version v1: 201, then 208 for a repeat, both success', async () => {
      const providerId = await createInstance({ name: 'supernode', vendor: 'dragonfly', api_version: 'v1', endpoint: supernode.url, auth_mode: 'NONE' });
      await createPolicy('p2p', { name: 'web', provider_id: providerId, filters: JSON.stringify([{ type: 'repository', value: 'team/**' }]), trigger: '{"type":"manual"}', enabled: true });
      const first = await ended('p2p', 'web', await run('p2p', 'web'));
      expect(first).toMatchObject({ status: 'Success', metrics: { task_count: 1, success_task_count: 1 } });
      const [post] = supernode.on('POST', '/preheats');
      const body = JSON.parse(post.body);
      expect(post.body).toBe(JSON.stringify({ type: 'image', url: `${api.url}/v2/p2p/team/web/manifests/v1`, headers: { Authorization: body.headers.Authorization } }));
      expect(supernode.pulls.filter((p) => p.digest).map((p) => p.digest).sort()).toEqual([...images['p2p/team/web:v1'].blobs].sort());
      const secondId = await run('p2p', 'web');
      expect((await ended('p2p', 'web', secondId)).status).toBe('Success');
      const [task] = await tasks('p2p', 'web', secondId);
      expect(await log('p2p', 'web', secondId, task.id)).toContain('208');
    });

    it('notifies Kraken with the PascalCase push event; Kraken pulls with its own credentials', async () => {
      const providerId = await createInstance({ name: 'kraken', vendor: 'kraken', endpoint: kraken.url, auth_mode: 'BASIC', auth_info: { username: 'kraken', password: 'kraken-pass' } });
      expect((await call('GET', '/p2p/preheat/instances/kraken')).json.auth_info).toEqual({ username: 'kraken', password: '*****' });
      await createPolicy('p2p', { name: 'kr', provider_id: providerId, filters: JSON.stringify([{ type: 'repository', value: 'app' }, { type: 'tag', value: 'dev' }]), trigger: '{"type":"manual"}', enabled: true });
      expect((await ended('p2p', 'kr', await run('p2p', 'kr'))).status).toBe('Success');
      const [notification] = kraken.on('POST', '/registry/notifications');
      expect(notification.headers.authorization).toBe(`Basic ${Buffer.from('kraken:kraken-pass').toString('base64')}`);
      const body = JSON.parse(notification.body);
      expect(Object.keys(body)).toEqual(['Events']);
      expect(Object.keys(body.Events[0])).toEqual(['Id', 'TimeStamp', 'Action', 'Target']);
      expect(body.Events[0]).toMatchObject({
        Action: 'push',
        Target: { MediaType: 'application/vnd.oci.image.manifest.v1+json', Digest: images['p2p/app:dev'].digest, Repository: 'p2p/app', Url: `${api.url}/v2/p2p/app/manifests/dev`, Tag: 'dev' },
      });
      expect(Object.keys(body.Events[0].Target)).toEqual(['MediaType', 'Digest', 'Repository', 'Url', 'Tag']);
      const digests = await kraken.pulled[0];
      expect([...digests].sort()).toEqual([images['p2p/app:dev'].digest, ...images['p2p/app:dev'].blobs].sort());
      // Kraken's own refusal is the task's reason too
      kraken.mode = 'rate-limited';
      try {
        const executionId = await run('p2p', 'kr');
        expect((await ended('p2p', 'kr', executionId)).status).toBe('Error');
        const [task] = await tasks('p2p', 'kr', executionId);
        expect(task.status_message).toContain('rate-limited');
        expect(await log('p2p', 'kr', executionId, task.id)).toContain('rate limit exceeded');
      } finally {
        kraken.mode = 'ok';
      }
      // a disabled instance runs nothing
      const instance = (await call('GET', '/p2p/preheat/instances/kraken')).json;
      expect((await call('PUT', '/p2p/preheat/instances/kraken', { body: { ...instance, enabled: false } })).status).toBe(200);
      const refused = await call('POST', '/projects/p2p/preheat/policies/kr', { body: {} });
      expect(refused.status).toBe(400);
      expect(refused.json.errors[0].message).toContain('disabled');
      expect((await call('PUT', '/p2p/preheat/instances/kraken', { body: { ...instance, enabled: true } })).status).toBe(200);
      // policy changes are audited in the project
      const logs = (await call('GET', '/projects/p2p/logs?page_size=100')).json as { resource_type: string; resource: string; operation: string }[];
      expect(logs.some((e) => e.resource_type === 'preheat-policy' && e.resource === 'kr' && e.operation === 'create')).toBe(true);
    });
  });

  describe('an index', () => {
    it('is handed over as the index: the Dragonfly manager preheats its platform, Kraken every child', async () => {
      const children: Record<string, { digest: string; size: number }> = {};
      for (const architecture of ['amd64', 'arm64']) {
        await push('p2p/multi', architecture, 1);
        children[architecture] = { digest: images[`p2p/multi:${architecture}`].digest, size: 0 };
      }
      const sizes = await Promise.all(['amd64', 'arm64'].map(async (a) => Number((await registry.fetch(`/v2/p2p/multi/manifests/${a}`, { method: 'HEAD' })).headers.get('content-length'))));
      const index = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: ['amd64', 'arm64'].map((architecture, i) => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: children[architecture].digest,
          size: sizes[i],
          platform: { os: 'linux', architecture },
        })),
      };
      const bytes = Buffer.from(JSON.stringify(index));
      expect((await registry.pushManifest('p2p/multi', 'v1', bytes, 'application/vnd.oci.image.index.v1+json')).status).toBe(201);
      const filters = JSON.stringify([{ type: 'repository', value: 'multi' }, { type: 'tag', value: 'v1' }]);
      const df = (await call('GET', '/p2p/preheat/instances/df')).json.id;
      const kr = (await call('GET', '/p2p/preheat/instances/kraken')).json.id;
      await createPolicy('p2p', { name: 'multi-df', provider_id: df, filters, trigger: '{"type":"manual"}', enabled: true });
      await createPolicy('p2p', { name: 'multi-kr', provider_id: kr, filters, trigger: '{"type":"manual"}', enabled: true });

      const before = manager.pulls.length;
      expect((await ended('p2p', 'multi-df', await run('p2p', 'multi-df'))).status).toBe('Success');
      const pulled = manager.pulls.slice(before);
      expect(pulled[0].url).toBe(`${api.url}/v2/p2p/multi/manifests/v1`);
      const blobs = pulled.filter((p) => p.digest).map((p) => p.digest).sort();
      expect(blobs).toEqual([...images['p2p/multi:amd64'].blobs].sort());

      expect((await ended('p2p', 'multi-kr', await run('p2p', 'multi-kr'))).status).toBe('Success');
      const notification = JSON.parse(kraken.on('POST', '/registry/notifications').at(-1)!.body);
      expect(notification.Events[0].Target).toMatchObject({ MediaType: 'application/vnd.oci.image.index.v1+json', Digest: sha256(bytes), Tag: 'v1' });
      const digests = await kraken.pulled.at(-1)!;
      expect([...digests].sort()).toEqual([sha256(bytes), children.amd64.digest, children.arm64.digest, ...images['p2p/multi:amd64'].blobs, ...images['p2p/multi:arm64'].blobs].sort());
    });
  });

  describe('filters and the preview', () => {
    it('selects exactly what the filters allow, the preview names the filter that excluded each other artifact, and a run sends what the preview showed', async () => {
      const providerId = (await call('GET', '/p2p/preheat/instances/df')).json.id;
      const label = await call('POST', '/labels', { body: { name: 'prod', scope: 'p', project_id: (await call('GET', '/projects/p2p')).json.project_id } });
      expect(label.status).toBe(201);
      const labelId = Number(label.headers.get('location')!.split('/').pop());
      for (const tag of ['v1', 'v2']) {
        expect((await call('POST', `/projects/p2p/repositories/app/artifacts/${tag}/labels`, { body: { id: labelId } })).status).toBe(200);
      }
      await sign('p2p/app', 'v1');
      await createPolicy('p2p', {
        name: 'signed-prod',
        provider_id: providerId,
        filters: JSON.stringify([{ type: 'repository', value: '**' }, { type: 'tag', value: 'v*' }, { type: 'label', value: 'prod' }, { type: 'signature', value: true }]),
        trigger: '{"type":"manual"}',
        enabled: true,
      });
      const preview = (await call('GET', '/projects/p2p/preheat/policies/signed-prod/preview')).json;
      expect(preview.preheat).toEqual([{ repository: 'p2p/app', tag: 'v1', digest: images['p2p/app:v1'].digest, tags: ['v1'], url: expect.stringMatching(/\/v2\/p2p\/app\/manifests\/v1$/) }]);
      const excludedBy = Object.fromEntries(preview.excluded.map((e: { repository: string; tags: string[]; excluded_by: string }) => [`${e.repository}:${e.tags.join(',') || 'untagged'}`, e.excluded_by]));
      expect(excludedBy).toMatchObject({ 'p2p/app:v2': 'signature', 'p2p/app:dev': 'tag', 'p2p/team/web:v1': 'label', 'p2p/tools:latest': 'tag' });
      expect(preview.excluded.some((e: { excluded_by: string }) => e.excluded_by === 'accessory')).toBe(true);
      const executionId = await run('p2p', 'signed-prod');
      expect((await ended('p2p', 'signed-prod', executionId)).status).toBe('Success');
      const sent = (await tasks('p2p', 'signed-prod', executionId)).map((t) => ({ repository: t.extra_attrs.repository, tag: t.extra_attrs.tag, digest: t.extra_attrs.digest }));
      expect(sent).toEqual(preview.preheat.map((p: { repository: string; tag: string; digest: string }) => ({ repository: p.repository, tag: p.tag, digest: p.digest })));
      // and the manager got exactly those URLs
      const urls = manager.on('POST', '/oapi/v1/jobs').slice(-sent.length).map((r) => new URL(JSON.parse(r.body).args.url).pathname);
      expect(urls).toEqual(preview.preheat.map((p: { url: string }) => new URL(p.url).pathname));
    });

    it('a vulnerability filter (and prevent_vul) selects nothing while no scan report exists', async () => {
      const providerId = (await call('GET', '/p2p/preheat/instances/df')).json.id;
      await createPolicy('p2p', { name: 'vuln', provider_id: providerId, filters: JSON.stringify([{ type: 'vulnerability', value: 4 }]), trigger: '{"type":"manual"}', enabled: true });
      const preview = (await call('GET', '/projects/p2p/preheat/policies/vuln/preview')).json;
      expect(preview.preheat).toEqual([]);
      expect(preview.excluded.filter((e: { excluded_by: string }) => e.excluded_by === 'vulnerability').length).toBeGreaterThanOrEqual(4);
      const executionId = await run('p2p', 'vuln');
      expect(await ended('p2p', 'vuln', executionId)).toMatchObject({ status: 'Success', status_message: 'no artifacts to preheat', metrics: { task_count: 0 } });
      expect((await call('PUT', '/projects/other', { body: { metadata: { prevent_vul: 'true', severity: 'high' } } })).status).toBe(200);
      await createPolicy('other', { name: 'all', provider_id: providerId, filters: '[]', trigger: '{"type":"manual"}', enabled: true });
      const guarded = (await call('GET', '/projects/other/preheat/policies/all/preview')).json;
      expect(guarded.preheat).toEqual([]);
      expect(guarded.excluded.map((e: { excluded_by: string }) => e.excluded_by)).toEqual(['project.prevent_vul']);
      for (const bad of ['[{"type":"vulnerability","value":"high"}]', '[{"type":"signature","value":"yes"}]', '[{"type":"colour","value":"red"}]', 'not json']) {
        expect((await call('POST', '/projects/other/preheat/policies', { body: { name: 'bad', provider_id: providerId, filters: bad } })).status).toBe(400);
      }
    });

    it('a vulnerability filter selects a scanned artifact whose highest severity is below it, from the scan report in force', async () => {
      // a scanner is configured and has reported (scan_report rows as libs/scanning's contract describes them)
      const registration = (await db.query<{ uuid: string }>(`INSERT INTO scanner_registration (uuid, url, name, is_default) VALUES (gen_random_uuid()::text, 'http://127.0.0.1:1/a', 'preheat test scanner', true) RETURNING uuid`)).rows[0].uuid;
      const report = async (digest: string, severity: string) =>
        db.query(
          `INSERT INTO scan_report (digest, registration_uuid, mime_type, scan_status, report, severity, summary, report_time)
           VALUES ($1, $2, 'application/vnd.security.vulnerability.report; version=1.1', 'Success', '{"vulnerabilities":[]}', $3, '{"total":0,"fixable":0,"summary":{}}', now())`,
          [digest, registration, severity],
        );
      await report(images['p2p/app:v1'].digest, 'Medium');
      await report(images['p2p/app:v2'].digest, 'High');
      const preview = (await call('GET', '/projects/p2p/preheat/policies/vuln/preview')).json;
      expect(preview.preheat.map((p: { repository: string; tag: string }) => `${p.repository}:${p.tag}`)).toEqual(['p2p/app:v1']);
      const v2 = preview.excluded.find((e: { digest: string }) => e.digest === images['p2p/app:v2'].digest);
      expect(v2).toMatchObject({ excluded_by: 'vulnerability', reason: expect.stringMatching(/High \(4\), not below 4/) });
      await db.query(`DELETE FROM scan_report WHERE registration_uuid = $1`, [registration]);
      await db.query(`DELETE FROM scanner_registration WHERE uuid = $1`, [registration]);
    });
  });

  describe('triggers', () => {
    it('runs an event-based policy on push, through the event stream', async () => {
      const providerId = (await call('GET', '/p2p/preheat/instances/df')).json.id;
      await createPolicy('p2p', { name: 'on-push', provider_id: providerId, filters: JSON.stringify([{ type: 'repository', value: 'hot' }]), trigger: '{"type":"event_based"}', enabled: true });
      await push('p2p/hot', 'r1', 1);
      const [execution] = await waitFor('an event-based execution', async () => {
        const list = (await call('GET', '/projects/p2p/preheat/policies/on-push/executions')).json;
        return list.length ? list : undefined;
      });
      expect(execution.trigger).toBe('EVENT');
      expect((await ended('p2p', 'on-push', execution.id)).status).toBe('Success');
      const [task] = await tasks('p2p', 'on-push', execution.id);
      expect(task.extra_attrs).toMatchObject({ artifact: 'p2p/hot:r1', digest: images['p2p/hot:r1'].digest });
      // a push elsewhere in the project does not fire it (the filter), nor does one into another project:
      // the stream is ordered, so once the next matching push has its execution, those two were passed over
      await push('p2p/tools', 'v9', 1);
      await push('other/hot', 'r1', 1);
      await push('p2p/hot', 'r2', 1);
      const executions = await waitFor('the second event-based execution', async () => {
        const list = (await call('GET', '/projects/p2p/preheat/policies/on-push/executions')).json;
        return list.length >= 2 ? list : undefined;
      });
      expect(executions).toHaveLength(2);
      const [second] = await tasks('p2p', 'on-push', executions[0].id);
      expect(second.extra_attrs.artifact).toBe('p2p/hot:r2');
    });

    it('fires a scheduled policy, and drops its schedule when the trigger goes back to manual', async () => {
      const providerId = (await call('GET', '/p2p/preheat/instances/df')).json.id;
      const body = { name: 'nightly', provider_id: providerId, filters: JSON.stringify([{ type: 'repository', value: 'tools' }]), trigger: JSON.stringify({ type: 'scheduled', trigger_setting: { cron: '*/2 * * * * *' } }), enabled: true };
      await createPolicy('p2p', body);
      expect((await call('POST', '/projects/p2p/preheat/policies', { body: { ...body, name: 'bad-cron', trigger: '{"type":"scheduled","trigger_setting":{"cron":"* * *"}}' } })).status).toBe(400);
      const [execution] = await waitFor('a scheduled execution', async () => {
        const list = (await call('GET', '/projects/p2p/preheat/policies/nightly/executions')).json;
        return list.length ? list : undefined;
      });
      expect(execution.trigger).toBe('SCHEDULE');
      expect((await db.query(`SELECT count(*)::int AS n FROM schedule WHERE vendor_type = 'P2P_PREHEAT'`)).rows[0].n).toBe(1);
      expect((await call('PUT', '/projects/p2p/preheat/policies/nightly', { body: { ...body, trigger: '{"type":"manual"}' } })).status).toBe(200);
      expect((await db.query(`SELECT count(*)::int AS n FROM schedule WHERE vendor_type = 'P2P_PREHEAT'`)).rows[0].n).toBe(0);
    });
  });
});
