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
import { harborErrorOf } from './harbor-error-mapping';

describe('harborErrorOf (domain error -> Harbor management API error)', () => {
  it.each([
    [new NotFoundError('user', 'user 7 not found'), 404, 'NOT_FOUND'],
    [new NotFoundError('repository', 'repository p/r not found'), 404, 'NOT_FOUND'],
    [new InvalidError('request', 'tag_selectors needs at least one selector'), 400, 'BAD_REQUEST'],
    [new InvalidError('name', 'invalid repository name: P/x'), 400, 'BAD_REQUEST'],
    [new DeniedError('the old password is wrong'), 403, 'FORBIDDEN'],
    [new QuotaExceededError('quota exceeded: ...'), 403, 'FORBIDDEN'],
    [new UnauthenticatedError('who?'), 401, 'UNAUTHORIZED'],
    [new ConflictError('project p already exists'), 409, 'CONFLICT'],
    [new PreconditionError('in-use', 'the registry r is referenced by a project'), 412, 'PRECONDITION'],
    [new PreconditionError('immutable', 'tag v1 in p/r is immutable (rule 1) and cannot be deleted'), 412, 'PRECONDITION'],
    [new PreconditionError('policy-violation', 'the image is not signed by cosign'), 412, 'PROJECTPOLICYVIOLATION'],
    // Harbor's own code for deleting a project that still holds repositories
    [new PreconditionError('not-empty', 'project p contains 2 repositories; delete them first'), 412, 'PRECONDITION'],
    [new TooLargeError('too big'), 413, 'PAYLOAD_TOO_LARGE'],
    [new UnavailableError('being collected'), 503, 'SERVICE_UNAVAILABLE'],
    [new UnavailableError('upstream answered badly', { reason: 'bad-upstream' }), 502, 'BAD_GATEWAY'],
    [new TooManyRequestsError('slow down'), 429, 'TOO_MANY_REQUESTS'],
    [new UploadPositionError('out of order'), 416, 'RANGE_NOT_SATISFIABLE'],
  ] as [DomainError, number, string][])('%s: %i %s, with its message', (error, status, code) => {
    expect(harborErrorOf(error)).toEqual({ status, code, message: error.message, headers: {} });
  });

  it('a login throttle refusal carries Retry-After', () => {
    expect(harborErrorOf(new TooManyLoginAttempts(1))).toEqual({ status: 429, code: 'TOO_MANY_REQUESTS', message: 'too many login attempts; retry later', headers: { 'retry-after': '1' } });
  });
});
