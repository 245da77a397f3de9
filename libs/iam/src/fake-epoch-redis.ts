import type Redis from 'ioredis';

/**
 * For unit tests of RevocationEpochs and what is built on it: a Redis that keeps strings in a
 * map, counts reads and can be made to fail (`state.down`), as a lost connection does.
 */
export function fakeEpochRedis() {
  const values = new Map<string, string>();
  const state = { down: false, reads: 0 };
  const redis = {
    async get(key: string) {
      state.reads += 1;
      if (state.down) throw new Error('connection lost');
      return values.get(key) ?? null;
    },
    async set(key: string, value: string) {
      if (state.down) throw new Error('connection lost');
      values.set(key, value);
      return 'OK';
    },
  };
  return { redis: redis as unknown as Redis, state };
}
