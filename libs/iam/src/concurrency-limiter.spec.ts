import { ConcurrencyLimitExceeded, ConcurrencyLimiter } from './concurrency-limiter';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ConcurrencyLimiter', () => {
  it('never runs more than its limit at once, and runs every task in turn', async () => {
    const limiter = new ConcurrencyLimiter(2, 100);
    let now = 0;
    let most = 0;
    const gates = Array.from({ length: 7 }, deferred);
    const results = gates.map((gate, i) =>
      limiter.run(async () => {
        now += 1;
        most = Math.max(most, now);
        await gate.promise;
        now -= 1;
        return i;
      }),
    );
    expect(limiter.active).toBe(2);
    expect(limiter.queued).toBe(5);
    for (const gate of gates) {
      gate.resolve();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('hands the slot on when a task fails', async () => {
    const limiter = new ConcurrencyLimiter(1, 10);
    const failing = limiter.run(() => Promise.reject(new Error('boom')));
    const next = limiter.run(async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
    expect(limiter.active).toBe(0);
  });

  it('refuses at once when the queue is full', async () => {
    const limiter = new ConcurrencyLimiter(1, 1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const second = limiter.run(async () => undefined);
    await expect(limiter.run(async () => undefined)).rejects.toBeInstanceOf(ConcurrencyLimitExceeded);
    gate.resolve();
    await Promise.all([first, second]);
  });
});
