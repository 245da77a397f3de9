import { OciError } from './oci-error';

/** The refusal of a push beyond a project's storage quota: 403 DENIED, naming the limit, the usage and what the push needs. */
export function quotaExceeded(project: string, limit: number, used: number, size: number): OciError {
  return new OciError(
    'DENIED',
    `quota exceeded: project ${project} has a storage quota of ${limit} bytes with ${used} used; this push needs ${size} more`,
    { project, limit, used, size },
  );
}

/** The quota ledger's refusal of a push beyond the project's storage quota (403 DENIED naming the limit). */
export function isQuotaExceeded(error: unknown): error is OciError {
  return error instanceof OciError && error.code === 'DENIED' && typeof (error.detail as { limit?: unknown } | undefined)?.limit === 'number';
}
