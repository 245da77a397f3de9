import { BearerTokenCache } from './bearer-token-cache';

describe('BearerTokenCache', () => {
  let now = 1_000_000;
  const cache = () => new BearerTokenCache(() => now);
  let issued = 0;
  const issue = (expiresIn?: number) => async () => ({ token: `token-${(issued += 1)}`, expiresIn });

  beforeEach(() => {
    now = 1_000_000;
    issued = 0;
  });

  it('reuses a token until shortly before expires_in runs out', async () => {
    const tokens = cache();
    expect(await tokens.get('k', issue(300))).toBe('token-1');
    now += 289_000;
    expect(await tokens.get('k', issue(300))).toBe('token-1');
    now += 2_000; // within the 10 s margin
    expect(await tokens.get('k', issue(300))).toBe('token-2');
  });

  it('assumes 60 s when the token server says nothing, and keeps half of a short life as margin', async () => {
    const tokens = cache();
    await tokens.get('default', issue());
    now += 49_000;
    expect(await tokens.get('default', issue())).toBe('token-1');
    now += 2_000;
    expect(await tokens.get('default', issue())).toBe('token-2');
    await tokens.get('short', issue(4));
    now += 2_500;
    expect(await tokens.get('short', issue(4))).toBe('token-4');
  });

  it('keeps scopes apart and shares one request between concurrent misses', async () => {
    const tokens = cache();
    const [a, b, c] = await Promise.all([tokens.get('repo-a', issue()), tokens.get('repo-a', issue()), tokens.get('repo-b', issue())]);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(issued).toBe(2);
  });

  it('forgets an invalidated token, and a failed issue is not cached', async () => {
    const tokens = cache();
    await tokens.get('k', issue());
    tokens.invalidate('k');
    expect(await tokens.get('k', issue())).toBe('token-2');
    await expect(tokens.get('x', () => Promise.reject(new Error('token service down')))).rejects.toThrow('token service down');
    expect(await tokens.get('x', issue())).toBe('token-3');
  });
});
