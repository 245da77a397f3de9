import type { WharfMetrics } from './wharf-metrics';

/** The pool's use as SqlClient reports it (kept structural: this lib knows no database). */
export interface PoolUseSource {
  poolUse(): { total: number; idle: number; waiting: number };
}

/** An emitter of connection errors (the shared ioredis client). */
export interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** What every process reports about itself: its database pool at scrape time and its Redis connection's errors. */
export function watchProcessResources(metrics: WharfMetrics, pool: PoolUseSource, redis: ErrorEmitter): void {
  metrics.addCollector(() => {
    const use = pool.poolUse();
    metrics.dbPool.set({ state: 'total' }, use.total);
    metrics.dbPool.set({ state: 'idle' }, use.idle);
    metrics.dbPool.set({ state: 'waiting' }, use.waiting);
  });
  redis.on('error', () => metrics.redisErrors.inc({ source: 'connection' }));
}
