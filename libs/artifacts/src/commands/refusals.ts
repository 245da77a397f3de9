import { ApiError } from '@wharf/errors';
import { immutableTagError } from '@wharf/immutability';
import { OciError } from '@wharf/registry-core';

/**
 * Which protocol a command answers in. The same command refuses the same things whoever calls
 * it; only the error's shape differs: /v2 callers get OCI errors, the management API (and the
 * worker jobs that act as it does) Harbor's. This file is the one place that choice is made.
 */
export type Protocol = 'registry' | 'management';

/** The artifact (or tag) is not in the repository. */
export function artifactNotFound(protocol: Protocol, repository: string, reference: string): Error {
  return protocol === 'registry'
    ? new OciError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { name: repository, reference })
    : new ApiError('NOT_FOUND', `artifact ${reference} not found`);
}

/** What goes is still named by an index that stays. */
export function referencedByIndex(protocol: Protocol, child: string, parent: string): Error {
  return protocol === 'registry'
    ? new OciError('DENIED', `manifest is referenced by index ${parent}; delete the index first`, { digest: child })
    : new ApiError('PRECONDITION', `artifact ${child} is referenced by index ${parent}; delete the index first`);
}

/** An immutable tag would be moved or removed: 412 in both protocols, as Harbor answers. */
export function immutableTag(protocol: Protocol, repository: string, tag: string, ruleId: number, what: 'overwritten' | 'deleted'): Error {
  return protocol === 'registry' ? immutableTagError(repository, tag, ruleId, what) : immutableTagApiError(repository, tag, ruleId, what);
}

/** Harbor's 412 for an immutable tag, in the management API's error shape. */
export function immutableTagApiError(repository: string, tag: string, ruleId: number, what: 'overwritten' | 'deleted'): ApiError {
  return new ApiError('PRECONDITION', `tag ${tag} in ${repository} is immutable (rule ${ruleId}) and cannot be ${what}`);
}

/** A write into a proxy-cache project (see `lockWritableProject`). */
export function proxyProjectRefusal(protocol: Protocol, project = ''): (message: string) => Error {
  return protocol === 'registry' ? (message) => new OciError('DENIED', message, { project }) : (message) => new ApiError('FORBIDDEN', message);
}
