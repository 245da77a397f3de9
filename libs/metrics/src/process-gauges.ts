import { Logger } from '@nestjs/common';
import type { WharfMetrics } from './wharf-metrics';

/** The pool's use as SqlClient reports it (kept structural: this lib knows no database). */
export interface PoolUseSource {
  poolUse(): { total: number; idle: number; waiting: number };
}

/** An emitter of connection errors (the shared ioredis client). */
export interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

// a Redis that is down errors on every reconnect attempt: one line per this long says so
const REDIS_LOG_INTERVAL_MS = 60_000;

/** What every process reports about itself: its database pool at scrape time and its Redis connection's errors. */
export function watchProcessResources(metrics: WharfMetrics, pool: PoolUseSource, redis: ErrorEmitter): void {
  metrics.addCollector(() => {
    const use = pool.poolUse();
    metrics.dbPool.set({ state: 'total' }, use.total);
    metrics.dbPool.set({ state: 'idle' }, use.idle);
    metrics.dbPool.set({ state: 'waiting' }, use.waiting);
  });
  // listening replaces ioredis's own console line for an unhandled error event, so log here instead
  const logger = new Logger('Redis');
  let loggedAt = 0;
  let unlogged = 0;
  redis.on('error', (error) => {
    metrics.redisErrors.inc({ source: 'connection' });
    unlogged += 1;
    if (Date.now() - loggedAt < REDIS_LOG_INTERVAL_MS) return;
    logger.warn(`Redis connection error: ${error.message}${unlogged > 1 ? ` (${unlogged} errors since the last report)` : ''}`);
    loggedAt = Date.now();
    unlogged = 0;
  });
}
