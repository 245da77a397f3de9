/**
 * Bearer tokens by (realm, service, scope), kept until shortly before they expire so a burst
 * of pulls costs one token request. Concurrent misses for the same key share one request.
 */
const DEFAULT_LIFETIME_SECONDS = 60;
const EXPIRY_MARGIN_SECONDS = 10;

interface CachedToken {
  token: string;
  expiresAt: number;
}

export interface IssuedToken {
  token: string;
  /** seconds, as the token server said (`expires_in`); absent = the spec's default of 60 */
  expiresIn?: number;
}

export class BearerTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string, issue: () => Promise<IssuedToken>): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.token;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const request = issue()
      .then(({ token, expiresIn }) => {
        this.store(key, token, expiresIn);
        return token;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, request);
    return request;
  }

  /** Forget a token the upstream no longer accepts. */
  invalidate(key: string): void {
    this.tokens.delete(key);
  }

  private store(key: string, token: string, expiresIn: number | undefined): void {
    const lifetime = expiresIn && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_SECONDS;
    // a short-lived token keeps half its life as margin rather than none
    const margin = Math.min(EXPIRY_MARGIN_SECONDS, lifetime / 2);
    const now = this.now();
    for (const [other, entry] of this.tokens) if (entry.expiresAt <= now) this.tokens.delete(other);
    this.tokens.set(key, { token, expiresAt: now + (lifetime - margin) * 1000 });
  }
}
