import { DeniedError, NotFoundError, PreconditionError } from '@wharf/errors';
import { immutableTagError } from '@wharf/immutability';

/**
 * Which protocol a command answers in. The same command refuses the same things whoever calls
 * it; only the wording and kind differ where the two protocols answer differently (a manifest
 * named by an index is DENIED on /v2 and a 412 on the management API, as in Harbor). The errors
 * are domain errors; each protocol edge maps them. This file is the one place that choice is made.
 */
export type Protocol = 'registry' | 'management';

/** The artifact (or tag) is not in the repository. */
export function artifactNotFound(protocol: Protocol, repository: string, reference: string): Error {
  return protocol === 'registry'
    ? new NotFoundError('manifest', 'manifest unknown to registry', { details: { name: repository, reference } })
    : new NotFoundError('artifact', `artifact ${reference} not found`);
}

/** What goes is still named by an index that stays. */
export function referencedByIndex(protocol: Protocol, child: string, parent: string): Error {
  return protocol === 'registry'
    ? new DeniedError(`manifest is referenced by index ${parent}; delete the index first`, { details: { digest: child } })
    : new PreconditionError('in-use', `artifact ${child} is referenced by index ${parent}; delete the index first`);
}

/** An immutable tag would be moved or removed: 412 in both protocols, as Harbor answers. */
export function immutableTag(protocol: Protocol, repository: string, tag: string, ruleId: number, what: 'overwritten' | 'deleted'): Error {
  return protocol === 'registry' ? immutableTagError(repository, tag, ruleId, what) : immutableTagApiError(repository, tag, ruleId, what);
}

/** The refusal of a change to an immutable tag through the management API, worded as Harbor's API words it. */
export function immutableTagApiError(repository: string, tag: string, ruleId: number, what: 'overwritten' | 'deleted'): PreconditionError {
  return new PreconditionError('immutable', `tag ${tag} in ${repository} is immutable (rule ${ruleId}) and cannot be ${what}`);
}

/** A write into a proxy-cache project (see `lockWritableProject`). */
export function proxyProjectRefusal(protocol: Protocol, project = ''): (message: string) => Error {
  return protocol === 'registry' ? (message) => new DeniedError(message, { details: { project } }) : (message) => new DeniedError(message);
}
