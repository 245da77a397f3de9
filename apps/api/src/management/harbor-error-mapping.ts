import type { AnyDomainError, DomainError } from '@wharf/errors';

export interface HarborError {
  status: number;
  /** Harbor's error code, e.g. NOT_FOUND */
  code: string;
  message: string;
  headers: Record<string, string>;
}

/**
 * A domain error as Harbor's management API answers it (`{"errors":[{"code","message"}]}` with
 * this status): the one place /api/v2.0 and /service/token decide how a lib's refusal looks.
 */
export function harborErrorOf(domainError: DomainError): HarborError {
  const error = domainError as AnyDomainError;
  const answer = (status: number, code: string, headers: Record<string, string> = {}): HarborError => ({ status, code, message: error.message, headers });
  switch (error.kind) {
    case 'not-found':
      return answer(404, 'NOT_FOUND');
    case 'invalid':
      return answer(400, 'BAD_REQUEST');
    case 'denied':
    case 'quota-exceeded':
      return answer(403, 'FORBIDDEN');
    case 'unauthenticated':
      return answer(401, 'UNAUTHORIZED');
    case 'conflict':
      return answer(409, 'CONFLICT');
    // one code per condition, Harbor's (its errors.PreconditionCode), a project still holding repositories included
    case 'precondition':
      return answer(412, error.reason === 'policy-violation' ? 'PROJECTPOLICYVIOLATION' : 'PRECONDITION');
    case 'too-large':
      return answer(413, 'PAYLOAD_TOO_LARGE');
    case 'unavailable':
      return error.reason === 'bad-upstream' ? answer(502, 'BAD_GATEWAY') : answer(503, 'SERVICE_UNAVAILABLE');
    case 'too-many-requests':
      return answer(429, 'TOO_MANY_REQUESTS', error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) });
    case 'upload-position':
      return answer(416, 'RANGE_NOT_SATISFIABLE');
  }
}
