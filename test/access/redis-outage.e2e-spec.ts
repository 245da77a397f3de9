/**
 * A Redis that stops answering but keeps its connections open (frozen with SIGSTOP): every
 * caller gives up after REDIS_COMMAND_TIMEOUT_SECONDS. Health says unhealthy; pulls and pushes
 * carry on from Postgres (Redis is only their cache), tokens issued before are judged by the
 * rights held now (the revocation state is unreadable, and nothing can be revoked meanwhile),
 * logins go on without the throttle's counters; all is well again once Redis answers.
 */
import { startApiProcess } from '../support/api-process';
import { callApi } from '../support/management-api';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { eventually } from '../support/eventually';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
// generous: the configured timeout is 1 s; on a hanging Redis these calls used to take minutes
const BOUND_MS = 20_000;

describe('a frozen Redis', () => {
  let redis: PrivateRedis;
  let environment: TestEnvironment;
  let api: RunningApi;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    environment = await createTestEnvironment('filesystem', { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_SECONDS: '1' });
    api = await startApi(environment);
  });
  afterAll(async () => {
    redis?.thaw();
    await api?.close();
    await environment?.close();
    await redis?.stop();
  });

  const timed = <T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> => call(AbortSignal.timeout(BOUND_MS));

  it('fails health fast, while pulls, pushes, logins and tokens go on from Postgres', async () => {
    const admin = new RegistryClient(api.url);
    const pushed = await admin.pushImage('library/cached', 'v1', { layers: 1 });
    const anonymous = new RegistryClient(api.url, null);
    // read once, so the manifest is in the Redis cache
    expect((await anonymous.fetch('/v2/library/cached/manifests/v1', { headers: { accept: MANIFEST } })).status).toBe(200);
    const token = ((await (await fetch(`${api.url}/service/token?service=wharf-registry&scope=repository:library/cached:pull,push`, { headers: { authorization: basicAuth(TEST_ADMIN) } })).json()) as { token: string }).token;
    const bearer = new RegistryClient(api.url, null);
    const withToken = { authorization: `Bearer ${token}` };

    const fleeting = await callApi(api.url, 'POST', '/projects', { body: { project_name: 'fleeting', metadata: { public: 'false' } } });
    expect(fleeting.status).toBe(201);
    const robot = await callApi(api.url, 'POST', '/robots', {
      body: { name: 'fleeting-pusher', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: 'fleeting', access: [{ resource: 'repository', action: 'push' }] }] },
    });
    expect(robot.status).toBe(201);
    const fleetingToken = ((await (await fetch(`${api.url}/service/token?service=wharf-registry&scope=repository:fleeting/app:pull,push`, { headers: { authorization: basicAuth({ username: robot.json.name, password: robot.json.secret }) } })).json()) as { token: string }).token;
    expect((await callApi(api.url, 'DELETE', '/projects/fleeting')).status).toBe(200);

    redis.freeze();

    const health = await timed((signal) => fetch(`${api.url}/api/v2.0/health`, { signal }));
    expect(health.status).toBe(503);
    const components = ((await health.json()) as { components: { name: string; status: string }[] }).components;
    expect(components.find((c) => c.name === 'redis')?.status).toBe('unhealthy');
    expect(components.find((c) => c.name === 'database')?.status).toBe('healthy');

    // pulls by tag: the cache is skipped, Postgres answers
    for (let i = 0; i < 3; i++) {
      const pulled = await timed((signal) => anonymous.fetch('/v2/library/cached/manifests/v1', { headers: { accept: MANIFEST }, signal }));
      expect(pulled.status).toBe(200);
      expect(Buffer.from(await pulled.arrayBuffer()).equals(pushed.manifest)).toBe(true);
    }
    // a push with a token issued before: the manifest is stored, the cache invalidation given up
    const moved = await timed((signal) => bearer.fetch('/v2/library/cached/manifests/v2', { method: 'PUT', body: pushed.manifest, headers: { ...withToken, 'content-type': MANIFEST }, signal }));
    expect(moved.status).toBe(201);

    // logins go on from Postgres (the throttle's counters are out of reach), so do Basic pulls
    const login = await timed((signal) => fetch(`${api.url}/service/token?service=wharf-registry&scope=repository:library/cached:pull`, { headers: { authorization: basicAuth(TEST_ADMIN) }, signal }));
    expect(login.status).toBe(200);
    const management = await timed(() => callApi(api.url, 'GET', '/projects'));
    expect(management.status).toBe(200);
    const basicPull = await timed((signal) => admin.fetch('/v2/library/cached/manifests/v1', { headers: { accept: MANIFEST }, signal }));
    expect(basicPull.status).toBe(200);
    // a token for a project deleted before the freeze (this replica never read that revocation) is
    // judged by the rights held now: the project is gone, so no access
    const stale = await timed((signal) => fetch(`${api.url}/v2/fleeting/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${fleetingToken}` }, signal }));
    expect(stale.status).toBe(403);

    redis.thaw();
    await eventually(async () => (await fetch(`${api.url}/api/v2.0/health`)).status === 200);
    await eventually(async () => (await callApi(api.url, 'GET', '/projects')).status === 200);
    const tagged = await anonymous.fetch('/v2/library/cached/manifests/v2', { headers: { accept: MANIFEST } });
    expect(tagged.status).toBe(200);
  });
});

describe('starting against a frozen Redis', () => {
  let redis: PrivateRedis;
  let environment: TestEnvironment;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    environment = await createTestEnvironment('filesystem', { REDIS_URL: redis.url });
    redis.freeze();
  });
  afterAll(async () => {
    redis?.thaw();
    await environment?.close();
    await redis?.stop();
  });

  it('fails with the instructions instead of hanging', async () => {
    await expect(startApiProcess(environment.env)).rejects.toThrow(/Redis is not reachable/);
  });
});
