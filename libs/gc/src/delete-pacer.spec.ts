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
});
