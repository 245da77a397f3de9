import { retryDelay } from './retry-schedule';

describe('retryDelay', () => {
  it('waits the n-th delay after the n-th attempt, the last one again past the end', () => {
    const delays = [5000, 30000, 120000];
    expect([1, 2, 3, 4].map((made) => retryDelay(delays, made))).toEqual([5000, 30000, 120000, 120000]);
    expect(retryDelay([], 1)).toBe(0);
  });
});
