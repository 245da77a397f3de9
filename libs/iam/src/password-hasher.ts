import { Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ConcurrencyLimiter } from './concurrency-limiter';

// scrypt is memory-hard (16 MiB per hash with these parameters) and built into Node
const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;
const VERIFIED_CACHE_SIZE = 2000;
const VERIFIED_TTL_MS = 5 * 60_000;
// each hash holds a pool thread for ~50 ms of CPU: half the pool at most, and no more than the
// cores of a typical host can use; past that many waiting, a hash is refused (the login answers 429)
const MAX_CONCURRENT_HASHES = 4;
const MAX_QUEUED_HASHES = 64;
// a well-formed hash with the current parameters, that no secret matches (all-zero key)
const DUMMY_HASH = `$scrypt$N=${PARAMS.N},r=${PARAMS.r},p=${PARAMS.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`;

/** How many hashes may run at once with a thread pool of this size. */
export const hashingConcurrency = (threadPoolSize: number): number => Math.max(1, Math.min(MAX_CONCURRENT_HASHES, Math.floor(threadPoolSize / 2)));

function scryptAsync(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/**
 * Hashes passwords and robot secrets as `$scrypt$N=..,r=..,p=..$<salt>$<hash>` (base64url).
 * A successful verification is remembered for a few minutes, keyed by an HMAC of the stored
 * hash and the secret under a per-process random key: registry clients that send Basic
 * credentials on every request then cost one HMAC, not one scrypt, and a changed password (a
 * new stored hash) never matches an old entry. Hashing runs through a limiter so that it never
 * holds more than half of libuv's thread pool, which file I/O shares.
 */
@Injectable()
export class PasswordHasher {
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<string, number>();
  readonly limiter: ConcurrencyLimiter;

  constructor(config: AppConfig) {
    this.limiter = new ConcurrencyLimiter(hashingConcurrency(config.UV_THREADPOOL_SIZE), MAX_QUEUED_HASHES);
  }

  async hash(secret: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.limiter.run(() => scryptAsync(secret, salt, KEY_LENGTH, { ...PARAMS, maxmem: MAX_MEMORY }));
    return `$scrypt$N=${PARAMS.N},r=${PARAMS.r},p=${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(secret: string, stored: string): Promise<boolean> {
    const memo = createHmac('sha256', this.cacheKey).update(stored).update('\0').update(secret).digest('base64url');
    const until = this.verified.get(memo);
    if (until !== undefined && until > Date.now()) return true;
    const parsed = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
    if (!parsed) return false;
    const expected = Buffer.from(parsed[5], 'base64url');
    const options = { N: Number(parsed[1]), r: Number(parsed[2]), p: Number(parsed[3]), maxmem: MAX_MEMORY };
    const key = await this.limiter.run(() => scryptAsync(secret, Buffer.from(parsed[4], 'base64url'), expected.length, options));
    const ok = timingSafeEqual(key, expected);
    if (ok) this.remember(memo);
    return ok;
  }

  /**
   * The work of a real verification, for an account that does not exist or may not log in: its
   * answer then takes as long as a wrong password's, so timing does not tell names apart.
   */
  async verifyDummy(secret: string): Promise<false> {
    await this.verify(secret, DUMMY_HASH);
    return false;
  }

  private remember(memo: string): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(memo, Date.now() + VERIFIED_TTL_MS);
  }
}
