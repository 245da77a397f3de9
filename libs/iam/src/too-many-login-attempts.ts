import { TooManyRequestsError } from '@wharf/errors';

/**
 * A login refused before its credentials were checked (the throttle, or hashing saturated).
 * Each protocol edge answers 429 with Retry-After: TOOMANYREQUESTS on /v2, Harbor's
 * TOO_MANY_REQUESTS on the management API and /service/token.
 */
export class TooManyLoginAttempts extends TooManyRequestsError {
  constructor(waitMs: number) {
    super('too many login attempts; retry later', { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });
  }
}
