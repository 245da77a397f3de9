import type { AnyDomainError, DomainError, InvalidReason, NotFoundSubject } from '@wharf/errors';
import { OciError, type OciErrorCode } from './oci-error';

/** The registry's own subjects have their own codes; anything else unknown is a name unknown (as a plain 404 is). */
const NOT_FOUND_CODES: Partial<Record<NotFoundSubject, OciErrorCode>> = {
  blob: 'BLOB_UNKNOWN',
  manifest: 'MANIFEST_UNKNOWN',
  upload: 'BLOB_UPLOAD_UNKNOWN',
  repository: 'NAME_UNKNOWN',
};

/** Every reason is a 400; the code says which part of the request the spec blames. */
const INVALID_CODES: Record<InvalidReason, OciErrorCode> = {
  digest: 'DIGEST_INVALID',
  'digest-algorithm': 'UNSUPPORTED',
  manifest: 'MANIFEST_INVALID',
  'manifest-reference': 'MANIFEST_BLOB_UNKNOWN',
  tag: 'MANIFEST_INVALID',
  name: 'NAME_INVALID',
  size: 'SIZE_INVALID',
  upload: 'BLOB_UPLOAD_INVALID',
  request: 'UNSUPPORTED',
};

/**
 * A domain error as the distribution spec's error (code, status, detail and the headers the spec
 * asks for): the one place /v2 decides how a lib's refusal looks to a docker or OCI client.
 */
export function ociErrorOf(domainError: DomainError): OciError {
  const error = domainError as AnyDomainError;
  const detail = error.details;
  switch (error.kind) {
    case 'not-found':
      return new OciError(NOT_FOUND_CODES[error.subject] ?? 'NAME_UNKNOWN', error.message, detail, 404);
    case 'invalid':
      return new OciError(INVALID_CODES[error.reason], error.message, detail, 400);
    case 'denied':
    case 'quota-exceeded':
      return new OciError('DENIED', error.message, detail, 403);
    // Harbor's answer to a push or delete of an immutable tag: DENIED, with 412
    case 'precondition':
      return new OciError(error.reason === 'policy-violation' ? 'PROJECTPOLICYVIOLATION' : 'DENIED', error.message, detail, 412);
    case 'unauthenticated':
      return new OciError('UNAUTHORIZED', error.message, detail, 401);
    // the spec has no code for a conflict: as for any status it has no code for
    case 'conflict':
      return new OciError('UNSUPPORTED', error.message, detail, 409);
    case 'too-large':
      return new OciError('SIZE_INVALID', error.message, detail, 413);
    case 'unavailable':
      return new OciError('UNAVAILABLE', error.message, detail, error.reason === 'bad-upstream' ? 502 : 503);
    case 'too-many-requests':
      return new OciError('TOOMANYREQUESTS', error.message, detail, 429, error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) });
    // the spec's chunk-order error: 416 with the upload's current range, so the client can resume
    case 'upload-position': {
      const headers: Record<string, string> = {};
      if (error.upload) headers.Range = `0-${Math.max(error.upload.size - 1, 0)}`;
      if (error.upload?.id) headers['Docker-Upload-UUID'] = error.upload.id;
      return new OciError('BLOB_UPLOAD_INVALID', error.message, detail, 416, headers);
    }
  }
}
