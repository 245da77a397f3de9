import { QuotaExceededError } from '@wharf/errors';

/** The refusal of a push beyond a project's storage quota, naming the limit, the usage and what the push needs (403 DENIED on /v2). */
export function quotaExceeded(project: string, limit: number, used: number, size: number): QuotaExceededError {
  return new QuotaExceededError(
    `quota exceeded: project ${project} has a storage quota of ${limit} bytes with ${used} used; this push needs ${size} more`,
    { details: { project, limit, used, size } },
  );
}

/** The quota ledger's refusal of a push beyond the project's storage quota. */
export function isQuotaExceeded(error: unknown): error is QuotaExceededError {
  return error instanceof QuotaExceededError;
}
