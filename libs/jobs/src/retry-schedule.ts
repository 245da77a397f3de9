/**
 * Jobs retried on an operator-set schedule (WEBHOOK_RETRY_DELAYS_SECONDS) rather than BullMQ's
 * exponential backoff: queued with `backoff: { type: RETRY_SCHEDULE }` and `attempts` one more than
 * the delays; the worker's backoff strategy looks the delay up.
 */
export const RETRY_SCHEDULE = 'schedule';

/** The wait before the attempt after `attemptsMade` attempts (the last delay again past the end). */
export function retryDelay(delaysMs: number[], attemptsMade: number): number {
  if (!delaysMs.length) return 0;
  return delaysMs[Math.min(Math.max(attemptsMade, 1), delaysMs.length) - 1];
}
