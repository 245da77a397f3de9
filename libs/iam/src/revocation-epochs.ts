import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { REDIS } from '@wharf/redis';
import type Redis from 'ioredis';

// how long a replica trusts an epoch it read: a revocation reaches every replica within this
const FRESH_MS = 1_000;
// Redis unreachable: the last epoch read stays trusted this long, then token checks fail (503)
const STALE_GRACE_MS = 30_000;
// longer than anything checked before a revocation can be presented: the longest token lifetime
// (TOKEN_EXPIRATION_MINUTES is at most a day) and remembered Basic credentials (minutes)
const EPOCH_TTL_MS = 25 * 60 * 60_000;
const KNOWN_MAX = 10_000;

/** The revocation state could not be read and what this replica knew is too old to trust. */
export class RevocationStateUnavailable extends Error {
  constructor(cause: unknown) {
    super('revocation state unavailable (Redis)', { cause });
    this.name = 'RevocationStateUnavailable';
  }
}

/**
 * Revocation of credentials already handed out: docker tokens and remembered Basic credentials.
 * Each principal (by the name tokens carry as `sub`) has an epoch in Redis, the moment its rights
 * last changed: disabled, deleted, password or secret changed, permissions, expiry or membership
 * changed. A credential checked before that moment is no longer honoured. Replicas share the
 * epochs through Redis and each keeps what it read for a second, so a change takes effect on
 * every replica within about a second, at the cost of one Redis read per principal per second
 * and replica, never a database read.
 *
 * Redis down: a change that cannot record its revocation fails (nothing changes unrevoked); a
 * check keeps trusting the last epoch it read for 30 s, then throws RevocationStateUnavailable
 * (the registry answers 503) rather than honour what might have been revoked.
 */
@Injectable()
export class RevocationEpochs {
  private readonly logger = new Logger(RevocationEpochs.name);
  private readonly known = new Map<string, { epoch: number; readAt: number }>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /**
   * Runs a change of `subject`'s rights, revoking its credentials before (so that if Redis is
   * down the change fails rather than leave old credentials working) and again after it (so that
   * a login checked against the old state while the change ran is revoked too).
   */
  async revoking<T>(subject: string, change: () => Promise<T>): Promise<T> {
    await this.revoke(subject);
    const result = await change();
    await this.revoke(subject).catch((error: unknown) =>
      this.logger.warn({ err: error, subject }, 'could not record a revocation after the change; only credentials checked before it are revoked'),
    );
    return result;
  }

  /** Credentials of `subject` checked before now stop being honoured. */
  async revoke(subject: string): Promise<void> {
    const now = Date.now();
    await this.redis.set(this.key(subject), String(now), 'PX', EPOCH_TTL_MS);
    this.remember(subject, now, now);
  }

  /** Whether credentials of `subject` checked at `checkedAt` (unix ms) were revoked since. */
  async revokedSince(subject: string, checkedAt: number): Promise<boolean> {
    return checkedAt < (await this.epochOf(subject));
  }

  private async epochOf(subject: string): Promise<number> {
    const now = Date.now();
    const known = this.known.get(subject);
    if (known && now - known.readAt < FRESH_MS) return known.epoch;
    try {
      const epoch = Number((await this.redis.get(this.key(subject))) ?? 0);
      this.remember(subject, epoch, now);
      return epoch;
    } catch (error) {
      if (known && now - known.readAt < STALE_GRACE_MS) return known.epoch;
      throw new RevocationStateUnavailable(error);
    }
  }

  private remember(subject: string, epoch: number, readAt: number): void {
    this.known.delete(subject);
    if (this.known.size >= KNOWN_MAX) this.known.delete(this.known.keys().next().value!);
    this.known.set(subject, { epoch, readAt });
  }

  private key(subject: string): string {
    return `${this.config.REDIS_PREFIX}:revoked-before:${subject}`;
  }
}
