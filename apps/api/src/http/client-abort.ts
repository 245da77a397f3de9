// what Node and its streams raise when the peer goes away mid-request
const ABORT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR']);

/**
 * Whether an error only says that the client went away (closed or reset its connection while
 * its body was read or its answer written): nothing failed here, and nobody is left to answer.
 * Logged as one line at info level, never as an error.
 */
export function isClientAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && ABORT_CODES.has((error as { code?: string }).code ?? '');
}
