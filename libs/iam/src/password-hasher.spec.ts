import { loadConfig } from '@wharf/config';
import { PasswordHasher, hashingConcurrency } from './password-hasher';

describe('PasswordHasher', () => {
  it('takes at most half of the thread pool, and never more than four threads', () => {
    expect(hashingConcurrency(2)).toBe(1);
    expect(hashingConcurrency(4)).toBe(2);
    expect(hashingConcurrency(16)).toBe(4);
    expect(hashingConcurrency(128)).toBe(4);
  });

  it('runs no more hashes at once than its limiter allows; the rest wait their turn', async () => {
    const hasher = new PasswordHasher(loadConfig({ UV_THREADPOOL_SIZE: '4' }));
    const stored = await hasher.hash('Some-Secret-1');
    const checks = Array.from({ length: 6 }, (_, i) => hasher.verify(`Wrong-Secret-${i}`, stored));
    expect(hasher.limiter.active).toBe(2);
    expect(hasher.limiter.queued).toBe(4);
    expect(await Promise.all(checks)).toEqual(Array(6).fill(false));
    expect(hasher.limiter.active).toBe(0);
  });

  it('spends a real verification on a dummy hash, which nothing matches', async () => {
    const hasher = new PasswordHasher(loadConfig({}));
    const dummy = hasher.verifyDummy('');
    expect(hasher.limiter.active).toBe(1);
    await expect(dummy).resolves.toBe(false);
  });
});
