/** The distribution spec's error codes, each with the HTTP status the spec (or docker's registry) gives it. */
export const OCI_ERROR_STATUS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 415,
  TOOMANYREQUESTS: 429,
  RANGE_INVALID: 416,
  UNAVAILABLE: 503,
  UNKNOWN: 500,
  // Harbor's code for a pull a project policy refuses (prevent_vul, signature enforcement)
  PROJECTPOLICYVIOLATION: 412,
} as const;

export type OciErrorCode = keyof typeof OCI_ERROR_STATUS;

/** A /v2 failure; the api's OCI exception filter renders it as {"errors":[{code,message,detail}]}. */
export class OciError extends Error {
  readonly status: number;

  constructor(
    readonly code: OciErrorCode,
    message: string,
    readonly detail?: unknown,
    status?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OciError';
    this.status = status ?? OCI_ERROR_STATUS[code];
  }

  /** 416 with the upload's current range, as the spec asks for chunk-order errors. */
  static rangeNotSatisfiable(message: string, headers: Record<string, string> = {}): OciError {
    return new OciError('BLOB_UPLOAD_INVALID', message, undefined, 416, headers);
  }
}
