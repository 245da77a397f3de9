import { ThreadBlockedTime } from './thread-blocked-time';

/** The event loop's blocked time: asleep counts, running or waiting for a CPU does not. */
describe('ThreadBlockedTime', () => {
  const meter = new ThreadBlockedTime();
  afterAll(() => meter.close());

  const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const spinMs = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };

  it('counts the time the thread slept', () => {
    const mark = meter.mark();
    sleepMs(40);
    expect(meter.blockedMsSince(mark)).toBeGreaterThanOrEqual(35);
  });

  it('does not count the time the thread ran (this kernel keeps per-thread schedstat)', () => {
    expect(meter.mark().scheduledMs).toBeDefined();
    // a spinning thread is on a CPU or waiting for one the whole time, as schedstat sees it; on a
    // virtual machine the host may still stop the whole VM for a few ms (steal time, in neither
    // count), so the least of a few spins is compared, against a bound wall time alone would exceed
    const blocked = Array.from({ length: 5 }, () => {
      const mark = meter.mark();
      spinMs(40);
      return meter.blockedMsSince(mark);
    });
    expect(Math.min(...blocked)).toBeLessThan(10);
  });
});
