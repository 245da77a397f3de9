import { DomainError, type DomainErrorOptions } from './domain-error';

/** What was not found; the registry's own subjects have codes of their own on /v2. */
export type NotFoundSubject =
  | 'blob'
  | 'manifest'
  | 'repository'
  | 'upload'
  | 'artifact'
  | 'addition'
  | 'tag'
  | 'project'
  | 'metadata'
  | 'user'
  | 'robot'
  | 'member'
  | 'label'
  | 'registry'
  | 'webhook-policy'
  | 'immutable-rule'
  | 'replication-policy'
  | 'preheat-instance'
  | 'preheat-policy'
  | 'execution'
  | 'task'
  | 'retention'
  | 'scanner';

export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
  constructor(
    readonly subject: NotFoundSubject,
    message: string,
    options?: DomainErrorOptions,
  ) {
    super(message, options);
  }
}

/** The caller is known but may not do this (including writes into a read-only proxy-cache project). */
export class DeniedError extends DomainError {
  readonly kind = 'denied';
}

/** The caller did not prove who it is, or the proof is no longer valid. */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated';
}

/** The request clashes with what exists (a name taken, a blob no longer in a state to use). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

/**
 * Something must change first: `in-use` (others still refer to it), `not-empty` (a container must
 * be emptied first), `immutable` (an immutable-tag rule protects the tag), `disabled` (a disabled
 * policy does not run), `policy-violation` (a project policy refuses a pull: vulnerabilities
 * above the project's severity, no scan, no required signature; Harbor's PROJECTPOLICYVIOLATION).
 */
export type PreconditionReason = 'in-use' | 'not-empty' | 'immutable' | 'disabled' | 'policy-violation';

export class PreconditionError extends DomainError {
  readonly kind = 'precondition';
  constructor(
    readonly reason: PreconditionReason,
    message: string,
    options?: DomainErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Which part of the input is wrong: `manifest-reference` is a manifest naming a blob or child
 * manifest the repository does not hold; `digest-algorithm` a digest of an algorithm not
 * supported; `upload` an upload body that ended early or does not fit; `request` anything else.
 */
export type InvalidReason = 'digest' | 'digest-algorithm' | 'manifest' | 'manifest-reference' | 'tag' | 'name' | 'size' | 'upload' | 'request';

export class InvalidError extends DomainError {
  readonly kind = 'invalid';
  constructor(
    readonly reason: InvalidReason,
    message: string,
    options?: DomainErrorOptions,
  ) {
    super(message, options);
  }
}

/** The input is larger than the registry accepts at all (not a quota: no project setting changes it). */
export class TooLargeError extends DomainError {
  readonly kind = 'too-large';
}

/** A write beyond the project's storage quota; details name the project, the limit, the usage and the size asked for. */
export class QuotaExceededError extends DomainError {
  readonly kind = 'quota-exceeded';
}

/**
 * A dependency cannot serve the request now: `transient` (busy or collected meanwhile: retry),
 * `bad-upstream` (an upstream registry answered, but badly or refusing our credential).
 */
export type UnavailableReason = 'transient' | 'bad-upstream';

export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
  readonly reason: UnavailableReason;
  constructor(message: string, options: DomainErrorOptions & { reason?: UnavailableReason } = {}) {
    super(message, options);
    this.reason = options.reason ?? 'transient';
  }
}

/** Too many at once from this caller or for this resource; `retryAfterSeconds` when it is known. */
export class TooManyRequestsError extends DomainError {
  readonly kind = 'too-many-requests';
  readonly retryAfterSeconds?: number;
  constructor(message: string, options: DomainErrorOptions & { retryAfterSeconds?: number } = {}) {
    super(message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * A chunk that does not continue an upload where it stands (or a request that lost its hold on
 * the upload). `upload` says where it stands, when the client should be told: its id and the
 * bytes it holds.
 */
export class UploadPositionError extends DomainError {
  readonly kind = 'upload-position';
  readonly upload?: { id?: string; size: number };
  constructor(message: string, options: DomainErrorOptions & { upload?: { id?: string; size: number } } = {}) {
    super(message, options);
    this.upload = options.upload;
  }
}

/** Every concrete domain error: switching on `kind` narrows to the class, so a mapping table that misses one does not compile. */
export type AnyDomainError =
  | NotFoundError
  | DeniedError
  | UnauthenticatedError
  | ConflictError
  | PreconditionError
  | InvalidError
  | TooLargeError
  | QuotaExceededError
  | UnavailableError
  | TooManyRequestsError
  | UploadPositionError;
