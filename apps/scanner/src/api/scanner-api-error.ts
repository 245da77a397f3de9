/**
 * A refusal of the scanner API, answered as the spec's `{"error":{"message"}}` with its status
 * (400 bad JSON, 401 no or wrong API key, 404 unknown scan, 422 invalid field, 501 a capability or
 * media type the scanner lacks). Raised by the API layer only.
 */
export class ScannerApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 415 | 422 | 500 | 501,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ScannerApiError';
  }
}
