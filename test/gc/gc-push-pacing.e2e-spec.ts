import type { INestApplicationContext } from '@nestjs/common';
import { BlobSweeper, GarbageCollector, pushLatencyKey, type ClaimedBlob } from '@wharf/gc';
import { createHash, randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryClient } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker } from '../support/worker-context';

/**
 * The sweep's pacing on the pushes' latency, end to end: the api publishes its storage-write
 * latency in Redis, and the worker's sweep reads it there and slows down when it rises above its
 * level before the run. Assertions are on the pacer's decisions, never on time.
 */
describe("garbage collection paced on the pushes' latency", () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: Client;
  let redis: Redis;

  beforeAll(async () => {
    // a floor high enough that a slowed sweep of a few hundred blobs still ends at once
    environment = await createTestEnvironment('filesystem', { GC_TIME_WINDOW_HOURS: '0', GC_DELETE_MIN_KEYS_PER_SECOND: '5000' });
    api = await startApi(environment);
    worker = await startWorker(environment);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    redis = new Redis(environment.config.REDIS_URL);
  });

  afterAll(async () => {
    await redis?.quit();
    await db?.end();
    await worker?.close();
    await api?.close();
    await environment?.close();
  });

  const key = () => pushLatencyKey(environment.config);
  /** What an api would publish: a median of `ms`, now. */
  const publish = (ms: number) => redis.hset(key(), 'test-api', `${ms}:${Date.now()}`);

  /** `count` blobs the sweep owns (rows only: deleting a missing object succeeds). */
  async function claimedBlobs(count: number): Promise<ClaimedBlob[]> {
    const digests = Array.from({ length: count }, () => `sha256:${createHash('sha256').update(randomBytes(16)).digest('hex')}`);
    const rows = await db.query<{ id: string; digest: string }>(
      `INSERT INTO blob (digest, size, content_type, status) SELECT d, 10, NULL, 'deleting' FROM unnest($1::varchar[]) AS d RETURNING id, digest`,
      [digests],
    );
    return rows.rows.map((r) => ({ id: Number(r.id), digest: r.digest, size: 10, contentType: null }));
  }

  async function sweepWhile(before: number, during: number) {
    await redis.del(key());
    await publish(before);
    const pacer = worker.get(GarbageCollector).newPacer();
    await pacer.startRun();
    await publish(during);
    const blobs = await claimedBlobs(1000);
    const outcome = await worker.get(BlobSweeper).sweep(blobs, pacer);
    return { outcome, pacing: pacer.summary() };
  }

  it('sweeps unlimited while the pushes stay at their level before the run', async () => {
    const { outcome, pacing } = await sweepWhile(10, 10);
    expect(outcome.deleted).toHaveLength(1000);
    expect(pacing).toMatchObject({ pushBaselineMs: 10, pushBackOffs: 0, keysPerSecond: Infinity, lowestKeysPerSecond: Infinity });
  });

  it('slows down (down to GC_DELETE_MIN_KEYS_PER_SECOND) when the pushes get slower during the sweep, and still deletes everything', async () => {
    const { outcome, pacing } = await sweepWhile(10, 40);
    expect(outcome.deleted).toHaveLength(1000);
    expect(outcome.failed).toHaveLength(0);
    expect(pacing.pushBaselineMs).toBe(10);
    expect(pacing.pushBackOffs).toBeGreaterThanOrEqual(1);
    expect(pacing.lowestKeysPerSecond).toBe(5000);
    expect((await db.query(`SELECT count(*)::int AS n FROM blob WHERE status = 'deleting'`)).rows[0].n).toBe(0);
  });

  it('GC_DELETE_MAX_KEYS_PER_SECOND caps the rate whatever the pushes say', async () => {
    const capped = await startWorker(environment, { GC_DELETE_MAX_KEYS_PER_SECOND: '20000' });
    try {
      await redis.del(key());
      const pacer = capped.get(GarbageCollector).newPacer();
      await pacer.startRun();
      await capped.get(BlobSweeper).sweep(await claimedBlobs(400), pacer);
      expect(pacer.summary()).toMatchObject({ pushBaselineMs: null, pushBackOffs: 0, keysPerSecond: 20000 });
    } finally {
      await capped.close();
    }
  });

  // last: the api's own figure stays in Redis for a few seconds after these pushes
  it('the api publishes its storage-write latency in Redis while it takes pushes', async () => {
    await redis.del(key());
    const client = new RegistryClient(api.url);
    // pushes until the api's next publication (each second) carries them
    for (let i = 0; i < 100 && (await redis.hlen(key())) === 0; i += 1) {
      await client.pushBlob('library/pacing', randomBytes(4096));
      await sleep(100);
    }
    const entries = Object.values(await redis.hgetall(key()));
    expect(entries).toHaveLength(1);
    const [ms, at] = entries[0].split(':').map(Number);
    expect(ms).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});
