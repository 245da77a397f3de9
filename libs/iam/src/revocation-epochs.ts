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
// after Redis failed to answer, checks do not ask it again for this long: each would wait out
// the command timeout, on every request, for an answer that is not coming
const BACK_OFF_MS = 5_000;

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
 * A project has an epoch too, for what no principal's epoch covers: tokens name repositories by
 * project name, so when a project is deleted (its name may be taken again by someone else) or
 * stops being public, every token issued earlier for its repositories is void, whoever holds it
 * (anonymous callers included).
 *
 * A project's settings (its metadata) have an epoch of their own, so what a replica remembers of
 * them (the pull policies every manifest GET asks) is read again within a second of a change.
 *
 * Redis down: a change that cannot record its revocation fails (nothing changes unrevoked); a
 * check keeps trusting the last epoch it read for 30 s, then throws RevocationStateUnavailable
 * (the registry then judges the request by the rights held now, read from Postgres), and for a
 * few seconds after a failure does not wait on Redis again.
 */
@Injectable()
export class RevocationEpochs {
  private readonly logger = new Logger(RevocationEpochs.name);
  private readonly known = new Map<string, { epoch: number; readAt: number }>();
  private redisFailedAt = -Infinity;

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
    return this.revokingKey(this.key(subject), change);
  }

  /** Credentials of `subject` checked before now stop being honoured. */
  async revoke(subject: string): Promise<void> {
    await this.revokeKey(this.key(subject));
  }

  /** Whether credentials of `subject` checked at `checkedAt` (unix ms) were revoked since. */
  async revokedSince(subject: string, checkedAt: number): Promise<boolean> {
    return checkedAt < (await this.epochOf(this.key(subject)));
  }

  /** Runs a change that ends access to project `projectName` as tokens knew it (a delete, going private), revoking them before and after. */
  async revokingProjectAccess<T>(projectName: string, change: () => Promise<T>): Promise<T> {
    return this.revokingKey(this.projectKey(projectName), change);
  }

  /** Whether access to project `projectName` granted by a credential checked at `checkedAt` (unix ms) was revoked since. */
  async projectAccessRevokedSince(projectName: string, checkedAt: number): Promise<boolean> {
    return checkedAt < (await this.epochOf(this.projectKey(projectName)));
  }

  /**
   * Runs a change of project `projectName`'s settings (its metadata: the pull policies among
   * them), marking them changed before and after it, as a revocation is: what a replica read of
   * them before the change (or while it ran) is read again.
   */
  async changingProjectSettings<T>(projectName: string, change: () => Promise<T>): Promise<T> {
    return this.revokingKey(this.projectSettingsKey(projectName), change);
  }

  /** Whether project `projectName`'s settings read at `readAt` (unix ms) were changed since. */
  async projectSettingsChangedSince(projectName: string, readAt: number): Promise<boolean> {
    return readAt < (await this.epochOf(this.projectSettingsKey(projectName)));
  }

  private async revokingKey<T>(key: string, change: () => Promise<T>): Promise<T> {
    await this.revokeKey(key);
    const result = await change();
    await this.revokeKey(key).catch((error: unknown) =>
      this.logger.warn({ err: error, key }, 'could not record a revocation after the change; only credentials checked before it are revoked'),
    );
    return result;
  }

  private async revokeKey(key: string): Promise<void> {
    const now = Date.now();
    await this.redis.set(key, String(now), 'PX', EPOCH_TTL_MS);
    this.remember(key, now, now);
  }

  private async epochOf(key: string): Promise<number> {
    const now = Date.now();
    const known = this.known.get(key);
    if (known && now - known.readAt < FRESH_MS) return known.epoch;
    try {
      if (now - this.redisFailedAt < BACK_OFF_MS) throw new Error('Redis did not answer a moment ago');
      const epoch = Number((await this.redis.get(key)) ?? 0);
      this.remember(key, epoch, now);
      return epoch;
    } catch (error) {
      if (now - this.redisFailedAt >= BACK_OFF_MS) this.redisFailedAt = now;
      if (known && now - known.readAt < STALE_GRACE_MS) return known.epoch;
      throw new RevocationStateUnavailable(error);
    }
  }

  private remember(key: string, epoch: number, readAt: number): void {
    this.known.delete(key);
    if (this.known.size >= KNOWN_MAX) this.known.delete(this.known.keys().next().value!);
    this.known.set(key, { epoch, readAt });
  }

  private key(subject: string): string {
    return `${this.config.REDIS_PREFIX}:revoked-before:${subject}`;
  }

  private projectSettingsKey(projectName: string): string {
    return `${this.config.REDIS_PREFIX}:project-settings-changed:${projectName}`;
  }

  private projectKey(projectName: string): string {
    return `${this.config.REDIS_PREFIX}:project-access-revoked-before:${projectName}`;
  }
}
