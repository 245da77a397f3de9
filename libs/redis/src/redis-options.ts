import type { AppConfig } from '@wharf/config';
import type { RedisOptions } from 'ioredis';

/**
 * Options of the shared connection (caches, locks, throttles, health). Every command fails after
 * REDIS_COMMAND_TIMEOUT_SECONDS, queued ones included, so a Redis that stops answering while
 * keeping its connection open costs a caller that long instead of forever; one retry per command
 * across a reconnect, and connecting gives up as quickly. Not for BullMQ's workers: their
 * blocking commands wait by design (see bullOptions).
 */
export function sharedRedisOptions(config: AppConfig): RedisOptions {
  const timeoutMs = config.REDIS_COMMAND_TIMEOUT_SECONDS * 1000;
  // commands issued in one turn of the event loop (the manifest cache reads of concurrent pulls)
  // leave in one write: a write to a loopback socket costs the sender the receiver's TCP work too
  return { commandTimeout: timeoutMs, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, lazyConnect: false, enableAutoPipelining: true };
}

const UNAVAILABLE_MESSAGES = new Set(['Command timed out', 'Connection is closed.', "Stream isn't writeable and enableOfflineQueue options is false"]);

/**
 * Whether an error means Redis did not answer (timed out, unreachable, connection lost), as
 * opposed to a Redis reply error or a fault of ours: callers answer 503, and caches fall back.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return UNAVAILABLE_MESSAGES.has(error.message) || error.name === 'MaxRetriesPerRequestError';
}
