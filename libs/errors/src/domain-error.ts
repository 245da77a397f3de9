/**
 * What kind of refusal or failure a DomainError is. Each protocol edge (OCI JSON on /v2, Harbor's
 * JSON on /api/v2.0) maps a kind, with its subject or reason, to its own codes and status, once.
 */
export type DomainErrorKind =
  | 'not-found'
  | 'denied'
  | 'unauthenticated'
  | 'conflict'
  | 'precondition'
  | 'invalid'
  | 'too-large'
  | 'quota-exceeded'
  | 'unavailable'
  | 'too-many-requests'
  | 'upload-position';

export interface DomainErrorOptions {
  /** facts a client may be shown (a digest, a name, a limit): never a secret, a path or an SQL message */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * A refusal or failure raised by a lib or the worker, in the domain's words: its message is safe
 * to show to the caller. Libs raise only these (never an HTTP- or protocol-shaped error); apps/api
 * turns them into answers.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // the subclass's name, so a log line or a failure shared between replicas says which it was
    this.name = new.target.name;
    this.details = options.details;
  }
}
