/**
 * A management-API refusal raised by the api itself (its guards, query parsers and management
 * services): the code and status Harbor answers with, rendered by ApiExceptionFilter as
 * `{"errors":[{"code","message"}]}`; the message must be safe to show. Libs raise DomainError
 * instead, mapped once in harbor-error-mapping.ts.
 */
export type ApiErrorCode = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'PRECONDITION' | 'UNSUPPORTED_MEDIA_TYPE' | 'TOO_MANY_REQUESTS';

const STATUS: Record<ApiErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION: 412,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS[code];
  }
}
