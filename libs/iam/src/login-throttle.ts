import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { REDIS } from '@wharf/redis';
import type Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

const FREE_FAILURES_PER_USER = 5;
// an address may be shared by many people (NAT, CI runners): it gets more slack
const FREE_FAILURES_PER_ADDRESS = 20;
const WINDOW_SECONDS = 15 * 60;
const MAX_DELAY_MS = 10_000;

/**
 * Slows down guessing: failed logins are counted per user name and per client address in
 * Redis (shared by every replica) for 15 minutes; past five for a name (twenty for an address),
 * each attempt waits twice as long as the one before (0.25 s, 0.5 s, ... up to 10 s) before its
 * credentials are even checked.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /** Waits as long as earlier failures demand; true when this name or address has failures on record. */
  async beforeAttempt(username: string, address: string | undefined): Promise<boolean> {
    const [user, ip] = (await this.redis.mget(this.key('user', username), this.key('ip', address ?? 'unknown'))).map((c) => Number(c ?? 0));
    const excess = Math.max(user - FREE_FAILURES_PER_USER, ip - FREE_FAILURES_PER_ADDRESS);
    if (excess >= 0) await sleep(Math.min(250 * 2 ** excess, MAX_DELAY_MS));
    return user > 0;
  }

  async failed(username: string, address: string | undefined): Promise<void> {
    const user = this.key('user', username);
    const ip = this.key('ip', address ?? 'unknown');
    await this.redis.multi().incr(user).expire(user, WINDOW_SECONDS).incr(ip).expire(ip, WINDOW_SECONDS).exec();
  }

  async succeeded(username: string): Promise<void> {
    await this.redis.del(this.key('user', username));
  }

  private key(kind: string, value: string): string {
    return `${this.config.REDIS_PREFIX}:login-failures:${kind}:${value}`;
  }
}
