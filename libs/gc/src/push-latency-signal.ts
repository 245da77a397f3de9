import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { REDIS } from '@wharf/redis';
import { StorageWriteLatency } from '@wharf/registry-core';
import type Redis from 'ioredis';
import { hostname } from 'node:os';

/** How often each api publishes its pushes' latency, and how old a figure may be and still count. */
export const PUSH_LATENCY_PUBLISH_MS = 1000;
const FRESH_MS = 5000;

/** The Redis hash holding, per api process, "<median ms>:<epoch ms when published>". */
export function pushLatencyKey(config: Pick<AppConfig, 'REDIS_PREFIX'>): string {
  return `${config.REDIS_PREFIX}:gc:push-latency`;
}

/**
 * Api side: publishes this process's recent storage-write latency (StorageWriteLatency) in Redis
 * each second, while it has pushes to time; a process with nothing to say publishes nothing and
 * its figure ages out.
 */
@Injectable()
export class PushLatencyPublisher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PushLatencyPublisher.name);
  private readonly instance = `${hostname()}:${process.pid}`;
  private timer?: NodeJS.Timeout;
  private warned = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly latency: StorageWriteLatency,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.publish(), PUSH_LATENCY_PUBLISH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async publish(): Promise<void> {
    const ms = this.latency.median();
    if (ms === null) return;
    const key = pushLatencyKey(this.config);
    try {
      await this.redis.multi().hset(key, this.instance, `${ms}:${Date.now()}`).pexpire(key, FRESH_MS * 2).exec();
    } catch (error) {
      // only the GC's pacing misses it; say so once
      if (!this.warned) this.logger.warn(`could not publish push latency: ${(error as Error).message}`);
      this.warned = true;
    }
  }
}

/** Worker side: the pushes' latency now, the highest any api published lately (ms); null when nobody pushes. */
@Injectable()
export class PushLatencySignal {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async read(): Promise<number | null> {
    const entries = await this.redis.hgetall(pushLatencyKey(this.config));
    const since = Date.now() - FRESH_MS;
    let highest: number | null = null;
    for (const value of Object.values(entries)) {
      const [ms, at] = value.split(':').map(Number);
      if (!(at >= since) || !Number.isFinite(ms)) continue;
      highest = Math.max(highest ?? 0, ms);
    }
    return highest;
  }
}
