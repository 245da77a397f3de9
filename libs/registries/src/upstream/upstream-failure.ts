import { isCertificateErrorCode } from '@wharf/errors';
import { UpstreamAuthError, UpstreamCertificateError, UpstreamError, UpstreamProtocolError, UpstreamUnavailableError } from './upstream-registry';

/**
 * How an upstream failure is classified, in one place so every request agrees: the proxy cache
 * serves a local copy on UpstreamUnavailableError and reports the others.
 */

/** Node/undici error codes that mean "the upstream cannot be reached right now". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** The URL without credentials or query (presigned storage URLs carry signatures there). */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Status of a response that is not a success (and not a 404 the caller turns into null). */
export function errorForStatus(status: number, what: string): UpstreamError {
  if (status === 401 || status === 403) return new UpstreamAuthError(`${what}: upstream refused our credential (${status})`, status);
  if (status === 429 || status >= 500) return new UpstreamUnavailableError(`${what}: upstream answered ${status}`, status);
  return new UpstreamProtocolError(`${what}: unexpected status ${status}`, status);
}

/**
 * A thrown error turned into an UpstreamError, except an abort the caller asked for, which
 * is rethrown as it is (the caller knows why it aborted; it is not the upstream's fault).
 */
export function classifyThrown(error: unknown, what: string, signal?: AbortSignal): unknown {
  if (error instanceof UpstreamError) return error;
  if (signal?.aborted) return error;
  const code = errorCode(error);
  if (code && UNAVAILABLE_CODES.has(code)) return new UpstreamUnavailableError(`${what}: ${code}`);
  // llhttp's parse errors (their code is often unset): whatever answered does not speak HTTP
  if (code?.startsWith('HPE_') || (error as Error | undefined)?.name === 'HTTPParserError') return new UpstreamProtocolError(`${what}: not an HTTP answer (${code})`);
  // there but not to be trusted: retrying will not help, so it is reported with the hint, not as a passing outage
  if (isCertificateErrorCode(code)) return new UpstreamCertificateError(`${what}: TLS certificate not trusted (${code}); mark the endpoint insecure to skip the check`);
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamUnavailableError(`${what}: ${message}`);
}

function errorCode(error: unknown): string | undefined {
  // undici wraps socket errors: the system code may sit on `cause`
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
