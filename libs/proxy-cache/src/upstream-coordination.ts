import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { REDIS } from '@wharf/redis';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 25;
// long enough to outlive a retry of the work, short enough that a crashed holder is replaced soon
const LOCK_TTL_MS = 30_000;
// how long a shared answer stays readable for the requests that waited for it
const SHARED_ANSWER_TTL_MS = 1_000;

const RELEASE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
// takes the lock when free (returns nil), else returns who holds it
const TAKE_OR_READ_HOLDER = `local holder = redis.call('GET', KEYS[1]) if holder then return holder end redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return false`;
const EXTEND_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** How shared work failed, as the callers that waited for it learn it. */
export interface SharedFailure {
  name: string;
  message: string;
  status?: number;
  /** a domain error's kind and reason, so waiters can rebuild the same kind of refusal */
  kind?: string;
  reason?: string;
}

function reviveAsIs(failure: SharedFailure): Error {
  const error = new Error(failure.message);
  error.name = failure.name;
  return error;
}

/** Held while one process does work others wait for; renewed until released. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Coordination of upstream requests across every api replica, in Redis, so concurrent pulls of
 * the same thing cost the upstream one request: `shared` for small answers (a manifest HEAD),
 * `lock`/`waitForRelease` for long transfers (a blob fetch whose result lands in storage).
 * Within one process, identical concurrent calls are folded before they reach Redis.
 */
@Injectable()
export class UpstreamCoordination {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /**
   * Runs `work` in one process for all concurrent callers with the same key and gives each of
   * them its JSON answer, or its failure (rebuilt by `revive` from name, message and status),
   * so a dead upstream costs one timeout, not one per waiting client. A caller that waits past
   * `timeoutMs` (the holder died) does the work itself.
   */
  async shared<T>(key: string, timeoutMs: number, work: () => Promise<T>, revive: (failure: SharedFailure) => Error = reviveAsIs): Promise<T> {
    return this.foldInProcess(`shared:${key}`, async () => {
      const lockKey = this.key(`lock:${key}`);
      const answerKey = this.key(`answer:${key}`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const token = randomUUID();
        // one step, so the holder we find is the one that held the lock when we asked: read apart,
        // a holder that released in between looked like no holder, and we checked again
        const holder = (await this.redis.eval(TAKE_OR_READ_HOLDER, 1, lockKey, token, timeoutMs + LOCK_TTL_MS)) as string | null;
        if (holder === null) {
          try {
            const answer = await work();
            await this.redis.set(answerKey, JSON.stringify({ token, answer }), 'PX', SHARED_ANSWER_TTL_MS);
            return answer;
          } catch (error) {
            const { name, message, status, kind, reason } = error as Error & { status?: number; kind?: string; reason?: string };
            const failure: SharedFailure = { name, message, status, kind, reason };
            await this.redis.set(answerKey, JSON.stringify({ token, failure }), 'PX', SHARED_ANSWER_TTL_MS).catch(() => undefined);
            throw error;
          } finally {
            await this.redis.eval(RELEASE_IF_OURS, 1, lockKey, token);
          }
        }
        // only the answer of the holder we found counts: an older one may predate our request
        for (;;) {
          // read together: the holder writes its answer before it releases, so a snapshot without
          // the lock and without its answer means it left without one
          const [stored, current] = await this.redis.mget(answerKey, lockKey);
          const outcome = stored === null ? undefined : (JSON.parse(stored) as { token: string; answer?: T; failure?: SharedFailure });
          if (outcome?.token === holder) {
            if (outcome.failure) throw revive(outcome.failure);
            return outcome.answer as T;
          }
          if (Date.now() > deadline) return work();
          // the holder is gone without an answer for us: try to become the holder
          if (current !== holder) break;
          await sleep(POLL_MS);
        }
      }
    });
  }

  /** Takes the named lock unless someone holds it; null when taken. Renewed until released. */
  async lock(name: string): Promise<HeldLock | null> {
    const key = this.key(`lock:${name}`);
    const token = randomUUID();
    if (!(await this.redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX'))) return null;
    const renew = setInterval(() => void this.redis.eval(EXTEND_IF_OURS, 1, key, token, LOCK_TTL_MS).catch(() => undefined), LOCK_TTL_MS / 3);
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        await this.redis.eval(RELEASE_IF_OURS, 1, key, token).catch(() => undefined);
      },
    };
  }

  /** Resolves once nobody holds the named lock (or it expired because its holder died), or at the deadline (false). */
  async waitForRelease(name: string, timeoutMs: number): Promise<boolean> {
    const key = this.key(`lock:${name}`);
    const deadline = Date.now() + timeoutMs;
    let pause = POLL_MS;
    while (await this.redis.exists(key)) {
      if (Date.now() > deadline) return false;
      await sleep(pause);
      pause = Math.min(pause * 2, 250);
    }
    return true;
  }

  /** A marker that expires by itself (a tag's freshness window). */
  async mark(name: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(`mark:${name}`), value, 'EX', ttlSeconds);
  }

  async marked(name: string): Promise<string | null> {
    return this.redis.get(this.key(`mark:${name}`));
  }

  /**
   * One more concurrent upstream request for `name` unless `limit` are open (-1: no limit);
   * returns the release function, or null at the limit. Counted in Redis, so across replicas.
   */
  async acquireSlot(name: string, limit: number): Promise<(() => Promise<void>) | null> {
    if (limit < 0) return async () => undefined;
    const key = this.key(`slots:${name}`);
    const open = await this.redis.multi().incr(key).pexpire(key, 10 * 60_000).exec();
    const count = Number(open?.[0]?.[1] ?? 0);
    if (count > limit) {
      await this.redis.decr(key);
      return null;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await this.redis.decr(key).catch(() => undefined);
    };
  }

  private async foldInProcess<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running as Promise<T>;
    const started = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private key(suffix: string): string {
    return `${this.config.REDIS_PREFIX}:proxy:${suffix}`;
  }
}
