import { freePort } from '../support/api-process';
import { eventually } from '../support/eventually';
import { scrape, valueOf } from '../support/prometheus-text';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { RegistryClient } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Redis trouble as the metrics show it: a Redis that stops answering makes the manifest cache
 * step aside (bypass, a Redis error of the cache) while pulls go on from Postgres, and a Redis
 * that is gone makes the shared connection's errors count up.
 */
describe('metrics of Redis trouble', () => {
  let redis: PrivateRedis;
  let environment: TestEnvironment;
  let api: RunningApi;
  let metrics: string;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const port = await freePort();
    metrics = `http://127.0.0.1:${port}/metrics`;
    environment = await createTestEnvironment('filesystem', { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_SECONDS: '1', METRICS_PORT: String(port) });
    api = await startApi(environment);
  });
  afterAll(async () => {
    redis?.thaw();
    await api?.close();
    await environment?.close();
    await redis?.stop();
  });

  it('counts the cache stepping aside for a frozen Redis, then the connection errors of a stopped one', async () => {
    const client = new RegistryClient(api.url);
    await client.pushImage('library/redis-trouble', 'v1', { layers: 1 });
    expect((await client.fetch('/v2/library/redis-trouble/manifests/v1', { headers: { accept: MANIFEST } })).status).toBe(200);
    const before = (await scrape(metrics)).samples;
    expect(valueOf(before, 'wharf_redis_errors_total')).toBe(0);

    redis.freeze();
    // served from Postgres once the cache's read timed out
    expect((await client.fetch('/v2/library/redis-trouble/manifests/v1', { headers: { accept: MANIFEST } })).status).toBe(200);
    const frozen = (await scrape(metrics)).samples;
    expect(valueOf(frozen, 'wharf_redis_errors_total', { source: 'manifest-cache' })).toBe(1);
    expect(valueOf(frozen, 'wharf_manifest_cache_requests_total', { result: 'bypass' }) - valueOf(before, 'wharf_manifest_cache_requests_total', { result: 'bypass' })).toBe(1);

    redis.thaw();
    await redis.stop();
    // the shared connection notices, and keeps trying to reconnect
    await eventually(async () => valueOf((await scrape(metrics)).samples, 'wharf_redis_errors_total', { source: 'connection' }) > 0);
  });
});
