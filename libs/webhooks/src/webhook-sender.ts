import { isCertificateErrorCode } from '@wharf/errors';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AddressNotAllowedError, checkedLookup, ipLiteralOf, isLocalNetworkAddress } from './webhook-address-policy';

/** How long one delivery may take, connect to last byte; a hanging target fails the attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryResult {
  ok: boolean;
  /** HTTP status, or 0 when no answer came */
  status: number;
  /** a class of outcome ("HTTP 500", "connection refused", "address not allowed by policy"...), never a raw socket error */
  message: string;
}

export interface DeliveryOptions {
  /** accept any certificate of an https target */
  skipCertVerify: boolean;
  /** whether the target may be on the local network (see webhook-address-policy) */
  allowLocalNetwork: boolean;
  timeoutMs?: number;
}

class DeliveryTimeout extends Error {
  readonly code = 'DELIVERY_TIMEOUT';
}

/**
 * POSTs one payload. Never throws. The target's address is checked before any connection (an
 * IP literal here, a name on each address it resolves to, in the socket's own lookup); a
 * redirect is an answer like any other non-2xx, never followed.
 */
export function postWebhook(address: string, body: string, headers: Record<string, string>, options: DeliveryOptions): Promise<DeliveryResult> {
  const url = new URL(address);
  const literal = ipLiteralOf(url);
  if (!options.allowLocalNetwork && literal && isLocalNetworkAddress(literal)) return Promise.resolve(failure(new AddressNotAllowedError()));
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const requestOptions = {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Wharf-Webhook/1.0' },
      lookup: checkedLookup(options.allowLocalNetwork),
      ...(url.protocol === 'https:' ? { rejectUnauthorized: !options.skipCertVerify } : {}),
    };
    const timer = setTimeout(() => req.destroy(new DeliveryTimeout()), timeoutMs);
    const req = send(url, requestOptions, (response) => {
      response.resume();
      response.on('end', () => {
        clearTimeout(timer);
        const status = response.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, status, message: `HTTP ${status}` });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        resolve(failure(error));
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve(failure(error));
    });
    req.end(body);
  });
}

/**
 * What a failed attempt is reported as: its class, not the socket's own words, which name
 * addresses and ports (a task log is read by project admins, and would map the network).
 */
function failure(error: Error): DeliveryResult {
  return { ok: false, status: 0, message: failureClass(error) };
}

function failureClass(error: Error): string {
  if (error instanceof AddressNotAllowedError) return error.message;
  if (error instanceof DeliveryTimeout) return 'timeout';
  const code = (error as { code?: string }).code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (isCertificateErrorCode(code)) return 'TLS certificate not trusted (skip_cert_verify accepts any)';
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return 'TLS handshake failed';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  return 'connection failed';
}
