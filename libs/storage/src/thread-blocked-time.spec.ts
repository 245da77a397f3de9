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
    const mark = meter.mark();
    expect(mark.scheduledMs).toBeDefined();
    spinMs(40);
    // a spinning thread is on a CPU or waiting for one the whole time
    expect(meter.blockedMsSince(mark)).toBeLessThan(5);
  });
});
