import { DeletePacer } from './delete-pacer';

/** A clock the test moves: each simulated request advances it by its latency. */
class FakeClock {
  ms = 0;
  readonly now = () => this.ms;
}

/** Runs `count` requests of `keys` keys at once through the pacer, each taking `msPerKey` per key on the fake clock; returns the most that ran at once. */
async function round(pacer: DeletePacer, clock: FakeClock, count: number, msPerKey: number, keys = 100): Promise<number> {
  let highestInFlight = 0;
  let inFlight = 0;
  await Promise.all(
    Array.from({ length: count }, () =>
      pacer.run(keys, async () => {
        inFlight += 1;
        highestInFlight = Math.max(highestInFlight, inFlight);
        // the request's own duration on the fake clock, measured from its start
        const started = clock.ms;
        await Promise.resolve();
        clock.ms = Math.max(clock.ms, started + msPerKey * keys);
        inFlight -= 1;
      }),
    ),
  );
  return highestInFlight;
}

describe('DeletePacer', () => {
  it('adds a request in flight while latency stays near its baseline, up to its maximum', async () => {
    const clock = new FakeClock();
    const pacer = new DeletePacer({ initial: 1, min: 1, max: 6, now: clock.now });
    for (let i = 0; i < 20; i += 1) await round(pacer, clock, 10, 1);
    expect(pacer.limit).toBe(6);
    expect(await round(pacer, clock, 10, 1)).toBe(6);
  });

  it('halves when latency rises well above the baseline, and grows back once it falls', async () => {
    const clock = new FakeClock();
    const pacer = new DeletePacer({ initial: 8, min: 1, max: 8, now: clock.now });
    await round(pacer, clock, 8, 1);
    expect(pacer.limit).toBe(8);
    // pushes load the storage: every request takes 4x as long
    await round(pacer, clock, 8, 4);
    // the requests that were all in flight together count as one signal: one halving, not eight
    expect(pacer.limit).toBe(4);
    // requests started after the back-off that are slow as well: on down
    await round(pacer, clock, 8, 4);
    expect(pacer.limit).toBeLessThanOrEqual(2);
    // however long it stays slow (pushes all along), the sweep stays at its minimum
    for (let i = 0; i < 20; i += 1) await round(pacer, clock, 8, 4);
    expect(pacer.limit).toBe(1);
    expect(pacer.summary().backOffs).toBeGreaterThanOrEqual(3);
    // the storage is quiet again
    for (let i = 0; i < 10; i += 1) await round(pacer, clock, 8, 1);
    expect(pacer.limit).toBeGreaterThanOrEqual(4);
  });

  it('holds between "near the baseline" and "slow"', async () => {
    const clock = new FakeClock();
    const pacer = new DeletePacer({ initial: 3, min: 1, max: 8, now: clock.now });
    await round(pacer, clock, 3, 1);
    const limit = pacer.limit;
    for (let i = 0; i < 5; i += 1) await round(pacer, clock, 8, 2);
    expect(pacer.limit).toBe(limit);
  });

  it('compares latency per key, so a short last batch is not taken for a fast storage', async () => {
    const clock = new FakeClock();
    const pacer = new DeletePacer({ initial: 2, min: 1, max: 8, now: clock.now });
    await round(pacer, clock, 2, 1, 200);
    await round(pacer, clock, 2, 1, 10);
    expect(pacer.summary().baselineMsPerKey).toBe(1);
  });

  it('backs off when a request fails, and passes the failure on', async () => {
    const clock = new FakeClock();
    const pacer = new DeletePacer({ initial: 4, min: 1, max: 8, now: clock.now });
    await expect(pacer.run(100, () => Promise.reject(new Error('SlowDown')))).rejects.toThrow('SlowDown');
    expect(pacer.limit).toBe(2);
  });

  it('never runs more than its limit at once', async () => {
    const clock = new FakeClock();
    const pacer = new DeletePacer({ initial: 2, min: 1, max: 2, now: clock.now });
    expect(await round(pacer, clock, 10, 1)).toBe(2);
  });

  describe("on the pushes' latency", () => {
    /** A pacer reading `latency.ms` as the pushes' latency, on a fake clock whose sleeps advance it. */
    function pushPaced(options: Partial<ConstructorParameters<typeof DeletePacer>[0]> = {}) {
      const clock = new FakeClock();
      const latency = { ms: 10 as number | null };
      const slept: number[] = [];
      const pacer = new DeletePacer({
        initial: 4, min: 1, max: 8, pollMs: 1000, minKeysPerSecond: 100, rateStep: 100,
        pushLatency: async () => latency.ms,
        now: clock.now,
        sleep: async (ms) => {
          slept.push(ms);
          clock.ms += ms;
        },
        ...options,
      });
      return { clock, latency, slept, pacer };
    }
    /** `count` requests of `keys` keys one after another, each taking 1 ms per key on the fake clock. */
    async function serial(pacer: DeletePacer, clock: FakeClock, count: number, keys = 100): Promise<void> {
      for (let i = 0; i < count; i += 1) await pacer.run(keys, async () => void (clock.ms += keys));
    }

    it('slows to half the rate it achieved when the pushes get slower than before the run', async () => {
      const { clock, latency, slept, pacer } = pushPaced();
      await pacer.startRun();
      // 10 requests of 100 keys, 100 ms each: 1000 keys per second, unlimited while the pushes stay at 10 ms
      await serial(pacer, clock, 11);
      expect(pacer.keysPerSecond).toBe(Infinity);
      expect(slept).toEqual([]);
      latency.ms = 30;
      // the next reading is a second on, at the start of the 21st request
      await serial(pacer, clock, 10);
      expect(pacer.summary()).toMatchObject({ pushBaselineMs: 10, pushBackOffs: 1, keysPerSecond: 500 });
      // the requests that follow wait their turn: 100 keys at 500 per second start 200 ms apart
      await serial(pacer, clock, 3);
      expect(slept.length).toBeGreaterThan(0);
      for (const ms of slept) expect(ms).toBeLessThanOrEqual(200);
    });

    it('goes on halving while the pushes stay slow, never below its floor, and grows back step by step once they recover', async () => {
      const { clock, latency, pacer } = pushPaced({ minKeysPerSecond: 50 });
      await pacer.startRun();
      await serial(pacer, clock, 11);
      latency.ms = 40;
      for (let i = 0; i < 200 && pacer.keysPerSecond > 50; i += 1) await serial(pacer, clock, 1);
      await serial(pacer, clock, 20);
      expect(pacer.keysPerSecond).toBe(50);
      expect(pacer.summary().lowestKeysPerSecond).toBe(50);
      // between "near" and "slow": hold
      latency.ms = 14;
      await serial(pacer, clock, 10);
      expect(pacer.keysPerSecond).toBe(50);
      latency.ms = 11;
      const readings = () => pacer.summary().pushBackOffs;
      const before = readings();
      await serial(pacer, clock, 4);
      expect(pacer.keysPerSecond).toBeGreaterThanOrEqual(150);
      expect(readings()).toBe(before);
    });

    it('never deletes faster than its cap, whatever the signals say', async () => {
      const { clock, slept, pacer } = pushPaced({ maxKeysPerSecond: 200 });
      await pacer.startRun();
      const started = clock.ms;
      await serial(pacer, clock, 10);
      // 1000 keys at 200 per second: at least 4.5 s on the fake clock (the first request starts at once)
      expect(clock.ms - started).toBeGreaterThanOrEqual(4500);
      expect(slept.length).toBeGreaterThan(0);
      expect(pacer.keysPerSecond).toBe(200);
    });

    it('counts slow readings once until the published figure has turned over (pushSettleMs), then halves again', async () => {
      const { clock, latency, pacer } = pushPaced({ pushSettleMs: 5000 });
      await pacer.startRun();
      await serial(pacer, clock, 11);
      latency.ms = 30;
      // readings at about 2 s, 3 s and 4 s: one slow-down
      await serial(pacer, clock, 10);
      const first = pacer.summary();
      expect(first.pushBackOffs).toBe(1);
      for (let i = 0; i < 6; i += 1) await serial(pacer, clock, 1);
      if (clock.ms < 2000 + 5000) expect(pacer.summary().pushBackOffs).toBe(1);
      while (clock.ms < 2000 + 5000) await serial(pacer, clock, 1);
      await serial(pacer, clock, 3);
      expect(pacer.summary().pushBackOffs).toBe(2);
      expect(pacer.keysPerSecond).toBeLessThan(first.keysPerSecond);
    });

    it('keeps the level from before the run as its baseline: a quieter second during the run does not lower it', async () => {
      const { clock, latency, pacer } = pushPaced();
      await pacer.startRun();
      await serial(pacer, clock, 11);
      latency.ms = 5;
      await serial(pacer, clock, 11);
      latency.ms = 12;
      for (let i = 0; i < 5; i += 1) await serial(pacer, clock, 11);
      expect(pacer.summary()).toMatchObject({ pushBaselineMs: 10, pushBackOffs: 0, keysPerSecond: Infinity });
    });

    it('without a level from before the run, takes the first reading as the baseline', async () => {
      const { clock, latency, pacer } = pushPaced();
      latency.ms = null;
      await pacer.startRun();
      await serial(pacer, clock, 11);
      latency.ms = 20;
      await serial(pacer, clock, 11);
      expect(pacer.summary()).toMatchObject({ pushBaselineMs: 20, pushBackOffs: 0, keysPerSecond: Infinity });
      latency.ms = 50;
      await serial(pacer, clock, 11);
      expect(pacer.summary().pushBackOffs).toBeGreaterThan(0);
    });

    it('reads the pushes at most once per poll interval, and goes on when the signal cannot be read', async () => {
      let reads = 0;
      const { clock, pacer } = pushPaced({
        pushLatency: async () => {
          reads += 1;
          if (reads > 2) throw new Error('redis down');
          return 10;
        },
      });
      await pacer.startRun();
      // 20 requests of 100 ms: 2 s
      await serial(pacer, clock, 20);
      expect(reads).toBeLessThanOrEqual(4);
      expect(pacer.summary().requests).toBe(20);
    });
  });
});

