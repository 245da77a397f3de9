import { loadConfig } from '@wharf/config';
import Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { UpstreamCoordination } from '../../libs/proxy-cache/src/upstream-coordination';

/**
 * The Redis coordination behind "one upstream request for many clients", with two instances
 * standing for two api replicas (each has its own in-process folding, so only Redis joins them).
 */
describe('upstream coordination across replicas (Redis)', () => {
  const config = loadConfig({ REDIS_PREFIX: `wharf-test-coordination-${process.pid}` });
  let redisA: Redis;
  let redisB: Redis;
  let replicaA: UpstreamCoordination;
  let replicaB: UpstreamCoordination;

  beforeAll(() => {
    redisA = new Redis(config.REDIS_URL);
    redisB = new Redis(config.REDIS_URL);
    replicaA = new UpstreamCoordination(redisA, config);
    replicaB = new UpstreamCoordination(redisB, config);
  });

  afterAll(async () => {
    const keys = await redisA.keys(`${config.REDIS_PREFIX}:*`);
    if (keys.length) await redisA.del(...keys);
    redisA.disconnect();
    redisB.disconnect();
  });

  it('runs shared work once for concurrent callers on both replicas and gives all of them its answer', async () => {
    let runs = 0;
    const work = async () => {
      runs += 1;
      await sleep(200);
      return { digest: 'sha256:abc' };
    };
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? replicaA : replicaB).shared('head:one', 5_000, work)));
    expect(runs).toBe(1);
    expect(answers).toEqual(Array(10).fill({ digest: 'sha256:abc' }));
  });

  it('gives the answer to a caller that found the work running, even when the holder releases before the caller looks for its answer', async () => {
    let runs = 0;
    const work = async () => {
      runs += 1;
      await sleep(100);
      return `answer ${runs}`;
    };
    // replica B's first Redis reply (who holds the lock) reaches it only after replica A released
    let open!: () => void;
    const holderReleased = new Promise<void>((resolve) => (open = resolve));
    let delayed = false;
    const slowRedis = new Proxy(redisB, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const reply = await value.apply(target, args);
          if (!delayed) {
            delayed = true;
            await holderReleased;
          }
          return reply;
        };
      },
    });
    const lateReplica = new UpstreamCoordination(slowRedis, config);
    const first = replicaA.shared('head:race', 5_000, work);
    await sleep(30);
    const second = lateReplica.shared('head:race', 5_000, work);
    const firstAnswer = await first;
    open();
    expect(await second).toBe(firstAnswer);
    expect(runs).toBe(1);
  });

  it('does not hand an answer to a caller that came after the work finished', async () => {
    let runs = 0;
    const work = async () => ++runs;
    expect(await replicaA.shared('head:two', 5_000, work)).toBe(1);
    expect(await replicaB.shared('head:two', 5_000, work)).toBe(2);
  });

  it('gives every waiting caller the failure, rebuilt, instead of one timeout each', async () => {
    let runs = 0;
    class Unreachable extends Error {
      override name = 'Unreachable';
    }
    const work = async (): Promise<string> => {
      runs += 1;
      await sleep(200);
      throw new Unreachable('connection refused');
    };
    const revive = (failure: { name: string; message: string }) => Object.assign(new Unreachable(failure.message), { revived: true });
    const outcomes = await Promise.allSettled([replicaA.shared('head:three', 5_000, work, revive), replicaB.shared('head:three', 5_000, work, revive)]);
    expect(runs).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(outcomes.map((o) => (o as PromiseRejectedResult).reason.message)).toEqual(['connection refused', 'connection refused']);
  });

  it('lets one replica hold a fetch while the other waits for its release', async () => {
    const held = await replicaA.lock('blob:one');
    expect(held).not.toBeNull();
    expect(await replicaB.lock('blob:one')).toBeNull();
    const waited = replicaB.waitForRelease('blob:one', 5_000);
    await sleep(100);
    await held!.release();
    expect(await waited).toBe(true);
    const next = await replicaB.lock('blob:one');
    expect(next).not.toBeNull();
    await next!.release();
  });

  it('counts upstream slots across replicas and gives them back', async () => {
    const first = await replicaA.acquireSlot('project:1', 2);
    const second = await replicaB.acquireSlot('project:1', 2);
    expect(first && second).toBeTruthy();
    expect(await replicaA.acquireSlot('project:1', 2)).toBeNull();
    await first!();
    await first!(); // releasing twice gives back one slot only
    const third = await replicaA.acquireSlot('project:1', 2);
    expect(third).not.toBeNull();
    expect(await replicaB.acquireSlot('project:1', 2)).toBeNull();
    await second!();
    await third!();
  });
});
