import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt is memory-hard (16 MiB per hash with these parameters) and built into Node
const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;
const VERIFIED_CACHE_SIZE = 2000;
const VERIFIED_TTL_MS = 5 * 60_000;

function scryptAsync(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/**
 * Hashes passwords and robot secrets as `$scrypt$N=..,r=..,p=..$<salt>$<hash>` (base64url).
 * A successful verification is remembered for a few minutes, keyed by an HMAC of the stored
 * hash and the secret under a per-process random key: registry clients that send Basic
 * credentials on every request then cost one HMAC, not one scrypt, and a changed password (a
 * new stored hash) never matches an old entry.
 */
@Injectable()
export class PasswordHasher {
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<string, number>();

  async hash(secret: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scryptAsync(secret, salt, KEY_LENGTH, { ...PARAMS, maxmem: MAX_MEMORY });
    return `$scrypt$N=${PARAMS.N},r=${PARAMS.r},p=${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(secret: string, stored: string): Promise<boolean> {
    const memo = createHmac('sha256', this.cacheKey).update(stored).update('\0').update(secret).digest('base64url');
    const until = this.verified.get(memo);
    if (until !== undefined && until > Date.now()) return true;
    const parsed = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
    if (!parsed) return false;
    const expected = Buffer.from(parsed[5], 'base64url');
    const key = await scryptAsync(secret, Buffer.from(parsed[4], 'base64url'), expected.length, {
      N: Number(parsed[1]),
      r: Number(parsed[2]),
      p: Number(parsed[3]),
      maxmem: MAX_MEMORY,
    });
    const ok = timingSafeEqual(key, expected);
    if (ok) this.remember(memo);
    return ok;
  }

  private remember(memo: string): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(memo, Date.now() + VERIFIED_TTL_MS);
  }
}
