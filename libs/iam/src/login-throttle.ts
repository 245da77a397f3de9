import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { REDIS } from '@wharf/redis';
import type Redis from 'ioredis';
import { TooManyLoginAttempts } from './too-many-login-attempts';

const WINDOW_MS = 15 * 60_000;
const FREE_FAILURES_PER_ACCOUNT_AND_SOURCE = 5;
// an address may be shared by many people (NAT, CI runners): it gets more slack
const FREE_FAILURES_PER_SOURCE = 20;
// past the free failures each one locks the pair (or source) out twice as long: 1 s, 2 s, ... 60 s
const FIRST_LOCK_MS = 1_000;
const MAX_LOCK_MS = 60_000;
// an account guessed at from many sources: those that have failed on it share one attempt a second
const ACCOUNT_LOCKDOWN_FAILURES = 50;
const LOCKDOWN_INTERVAL_MS = 1_000;
// distinct credentials for one account from one source checked at once (identical ones share a check)
const MAX_IN_FLIGHT_PER_ACCOUNT_AND_SOURCE = 2;
// Redis down under a flood of logins: one warning a minute, not one per attempt
const WARN_INTERVAL_MS = 60_000;

/**
 * Counts one failure for the pair, the source and the account, and locks the pair (source) out
 * past its free failures, in one step on the Redis server: two checks failing together each see
 * their own count, and a lock only ever moves later (the second failure's 2 s lock is not
 * replaced by the first's 1 s one when their writes cross). A lock's value is when it ends.
 * KEYS: pair, source, account, pair-lock, source-lock. ARGV: window, free per pair, free per
 * source, first lock, longest lock (ms), now (ms since the epoch).
 */
const RECORD_FAILURE = `
local window = tonumber(ARGV[1])
-- the api's clock, which the check that reads the lock compares against
local nowMs = tonumber(ARGV[6])
local function count(key)
  local n = redis.call('INCR', key)
  redis.call('PEXPIRE', key, window)
  return n
end
local function lock(key, excess)
  if excess <= 0 then return end
  local duration = math.min(tonumber(ARGV[4]) * 2 ^ (excess - 1), tonumber(ARGV[5]))
  local ends = nowMs + duration
  local current = tonumber(redis.call('GET', key) or '0')
  if ends > current then redis.call('SET', key, tostring(ends), 'PX', math.floor(duration)) end
end
local pairFailures = count(KEYS[1])
local sourceFailures = count(KEYS[2])
count(KEYS[3])
lock(KEYS[4], pairFailures - tonumber(ARGV[2]))
lock(KEYS[5], sourceFailures - tonumber(ARGV[3]))
return pairFailures
`;

/** One admitted check of credentials: record how it ended, then release it. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
  release(): void;
}

/**
 * Bounds password guessing without letting anyone aim it at an account: failures are counted
 * in Redis (shared by every replica, 15 minutes) per account and source address, per source, and
 * per account. A pair past 5 failures, or a source past 20, is locked out for 1 s, doubling with
 * each further failure up to 60 s; an account past 50 failures lets the sources that failed on
 * it try once a second between them. A locked-out attempt is refused at once (429 with
 * Retry-After), never held open, and never counted. A source that has not failed is never
 * locked out or delayed, so an attacker elsewhere cannot keep an account's owner (or a robot)
 * from logging in. Parallel guessing is bounded in each process: two distinct checks in flight
 * per account and source.
 *
 * Redis unreachable: attempts are admitted (logins keep working; the in-flight bound and the
 * hashing limiter still bound the rate) and the failure is logged.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);
  private readonly inFlight = new Map<string, number>();
  private lastWarning = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /** Admits a check of `username`'s credentials from `address`, or throws TooManyLoginAttempts. */
  async admit(username: string, address = 'unknown'): Promise<LoginAttempt> {
    const pair = `${address}|${username}`;
    const running = this.inFlight.get(pair) ?? 0;
    if (running >= MAX_IN_FLIGHT_PER_ACCOUNT_AND_SOURCE) throw new TooManyLoginAttempts(LOCKDOWN_INTERVAL_MS);
    // taken before any await, so attempts arriving together see each other
    this.inFlight.set(pair, running + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(pair) ?? 1) - 1;
      if (left > 0) this.inFlight.set(pair, left);
      else this.inFlight.delete(pair);
    };
    let pairHasFailures: boolean;
    try {
      pairHasFailures = await this.refuseWhileLocked(username, address);
    } catch (error) {
      release();
      throw error;
    }
    return {
      release,
      failed: () => this.recordFailure(username, address),
      succeeded: async () => {
        if (pairHasFailures) await this.guard(this.redis.del(this.key('pair', pair), this.key('pair-lock', pair)));
      },
    };
  }

  /** Throws while this pair or source is locked out; true when the pair has failures on record. */
  private async refuseWhileLocked(username: string, address: string): Promise<boolean> {
    const pair = `${address}|${username}`;
    const state = await this.guard(this.redis.mget(this.key('source-lock', address), this.key('pair-lock', pair), this.key('pair', pair), this.key('account', username)));
    if (!state) return false;
    const [sourceLockedUntil, pairLockedUntil, pairFailures, accountFailures] = state.map((value) => Number(value ?? 0));
    const wait = Math.max(sourceLockedUntil, pairLockedUntil) - Date.now();
    if (wait > 0) throw new TooManyLoginAttempts(wait);
    if (accountFailures >= ACCOUNT_LOCKDOWN_FAILURES && pairFailures > 0) {
      const slot = await this.guard(this.redis.set(this.key('account-slot', username), '1', 'PX', LOCKDOWN_INTERVAL_MS, 'NX'));
      if (slot === null) throw new TooManyLoginAttempts(LOCKDOWN_INTERVAL_MS);
    }
    return pairFailures > 0;
  }

  private async recordFailure(username: string, address: string): Promise<void> {
    const pair = `${address}|${username}`;
    await this.guard(
      this.redis.eval(
        RECORD_FAILURE,
        5,
        this.key('pair', pair),
        this.key('source', address),
        this.key('account', username),
        this.key('pair-lock', pair),
        this.key('source-lock', address),
        WINDOW_MS,
        FREE_FAILURES_PER_ACCOUNT_AND_SOURCE,
        FREE_FAILURES_PER_SOURCE,
        FIRST_LOCK_MS,
        MAX_LOCK_MS,
        Date.now(),
      ),
    );
  }

  /** Redis failing must not fail logins: the operation is skipped (undefined) and logged. */
  private async guard<T>(operation: Promise<T>): Promise<T | undefined> {
    try {
      return await operation;
    } catch (error) {
      if (Date.now() - this.lastWarning >= WARN_INTERVAL_MS) {
        this.lastWarning = Date.now();
        this.logger.warn({ err: error }, 'login throttle: Redis unavailable, logins are not throttled (warned once a minute)');
      }
      return undefined;
    }
  }

  private key(kind: string, value: string): string {
    return `${this.config.REDIS_PREFIX}:login:${kind}:${value}`;
  }
}
