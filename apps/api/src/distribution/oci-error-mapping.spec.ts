import {
  ConflictError,
  DeniedError,
  InvalidError,
  NotFoundError,
  PreconditionError,
  QuotaExceededError,
  TooLargeError,
  TooManyRequestsError,
  UnauthenticatedError,
  UnavailableError,
  UploadPositionError,
  type DomainError,
} from '@wharf/errors';
import { TooManyLoginAttempts } from '@wharf/iam';
import { ociErrorOf } from './oci-error-mapping';

/** What a /v2 client sees of a domain error: the code and status the libs answered with when they raised OciError themselves. */
const seen = (error: DomainError) => {
  const oci = ociErrorOf(error);
  return { code: oci.code, status: oci.status, message: oci.message, detail: oci.detail, headers: oci.headers };
};

describe('ociErrorOf (domain error -> distribution spec error)', () => {
  it.each([
    ['blob', 'BLOB_UNKNOWN'],
    ['manifest', 'MANIFEST_UNKNOWN'],
    ['upload', 'BLOB_UPLOAD_UNKNOWN'],
    ['repository', 'NAME_UNKNOWN'],
    // a management subject reaching /v2 is a name unknown, as a plain 404 is
    ['project', 'NAME_UNKNOWN'],
  ] as const)('not found %s: %s, 404', (subject, code) => {
    expect(seen(new NotFoundError(subject, 'gone', { details: { name: 'p/r' } }))).toEqual({ code, status: 404, message: 'gone', detail: { name: 'p/r' }, headers: {} });
  });

  it.each([
    ['digest', 'DIGEST_INVALID'],
    ['digest-algorithm', 'UNSUPPORTED'],
    ['manifest', 'MANIFEST_INVALID'],
    ['tag', 'MANIFEST_INVALID'],
    ['manifest-reference', 'MANIFEST_BLOB_UNKNOWN'],
    ['name', 'NAME_INVALID'],
    ['size', 'SIZE_INVALID'],
    ['upload', 'BLOB_UPLOAD_INVALID'],
    ['request', 'UNSUPPORTED'],
  ] as const)('invalid %s: %s, 400', (reason, code) => {
    expect(seen(new InvalidError(reason, 'bad'))).toEqual({ code, status: 400, message: 'bad', detail: undefined, headers: {} });
  });

  it('refusals: denied and over quota are DENIED 403, an immutable tag DENIED 412 (as Harbor)', () => {
    expect(seen(new DeniedError('project p is a proxy cache', { details: { project: 'p' } }))).toMatchObject({ code: 'DENIED', status: 403, detail: { project: 'p' } });
    const quota = new QuotaExceededError('quota exceeded: ...', { details: { project: 'p', limit: 10, used: 5, size: 6 } });
    expect(seen(quota)).toEqual({ code: 'DENIED', status: 403, message: 'quota exceeded: ...', detail: { project: 'p', limit: 10, used: 5, size: 6 }, headers: {} });
    expect(seen(new PreconditionError('immutable', 'tag is immutable'))).toMatchObject({ code: 'DENIED', status: 412 });
    // Harbor's code for a pull a project policy refuses (prevent_vul, signature enforcement)
    expect(seen(new PreconditionError('policy-violation', 'current image with 2 vulnerabilities cannot be pulled'))).toMatchObject({ code: 'PROJECTPOLICYVIOLATION', status: 412 });
  });

  it('the others: unauthenticated, conflict, too large', () => {
    expect(seen(new UnauthenticatedError('who?'))).toMatchObject({ code: 'UNAUTHORIZED', status: 401, headers: {} });
    expect(seen(new ConflictError('taken'))).toMatchObject({ code: 'UNSUPPORTED', status: 409 });
    expect(seen(new TooLargeError('manifest exceeds 4194304 bytes', { details: { size: 5 } }))).toMatchObject({ code: 'SIZE_INVALID', status: 413, detail: { size: 5 } });
  });

  it('unavailable: 503 to retry, 502 when an upstream answered badly', () => {
    expect(seen(new UnavailableError('being collected'))).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(seen(new UnavailableError('upstream refused our credential', { reason: 'bad-upstream' }))).toMatchObject({ code: 'UNAVAILABLE', status: 502 });
  });

  it('too many requests: 429, with Retry-After only when it is known', () => {
    expect(seen(new TooManyRequestsError('too many open uploads', { details: { limit: 3 } }))).toEqual({ code: 'TOOMANYREQUESTS', status: 429, message: 'too many open uploads', detail: { limit: 3 }, headers: {} });
    expect(seen(new TooManyRequestsError('max_upstream_conn', { retryAfterSeconds: 1 })).headers).toEqual({ 'retry-after': '1' });
    expect(seen(new TooManyLoginAttempts(2500))).toEqual({ code: 'TOOMANYREQUESTS', status: 429, message: 'too many login attempts; retry later', detail: undefined, headers: { 'retry-after': '3' } });
  });

  it("upload position: BLOB_UPLOAD_INVALID 416 with the upload's range (and id) when known", () => {
    expect(seen(new UploadPositionError('upload was modified concurrently'))).toEqual({ code: 'BLOB_UPLOAD_INVALID', status: 416, message: 'upload was modified concurrently', detail: undefined, headers: {} });
    expect(seen(new UploadPositionError('chunk must start at byte 10', { upload: { id: 'u1', size: 10 } })).headers).toEqual({ Range: '0-9', 'Docker-Upload-UUID': 'u1' });
    expect(seen(new UploadPositionError('another request is writing to this upload', { upload: { size: 0 } })).headers).toEqual({ Range: '0-0' });
  });
});
