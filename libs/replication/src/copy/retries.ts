import { DomainError } from '@wharf/errors';
import { UpstreamAuthError, UpstreamProtocolError } from '@wharf/registries';
import { setTimeout as sleep } from 'node:timers/promises';

/** Attempts per blob or manifest, and the first wait (doubled each time, with jitter). */
const ATTEMPTS = 4;
const FIRST_WAIT_MS = 250;

/**
 * `work` again after a transient failure (the registry down or overloaded, a connection reset
 * mid-blob), with exponential backoff; a refusal (credential, quota, bad content, not found) and
 * a stop are final.
 */
export const RETRY_ATTEMPTS = ATTEMPTS;

export async function withRetries<T>(signal: AbortSignal, work: () => Promise<T>, onRetry?: (error: unknown, attempt: number, waitMs: number) => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (signal.aborted || attempt >= ATTEMPTS || !isTransient(error)) throw error;
      const wait = Math.round(FIRST_WAIT_MS * 2 ** (attempt - 1) * (0.75 + Math.random() / 2));
      await onRetry?.(error, attempt, wait);
      await sleep(wait, undefined, { signal });
    }
  }
}

function isTransient(error: unknown): boolean {
  if (error instanceof UpstreamAuthError || error instanceof UpstreamProtocolError) return false;
  if (error instanceof DomainError) return error.kind === 'unavailable';
  // UpstreamUnavailableError, and socket errors of a stream cut off mid-transfer
  return true;
}
