import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** How long one delivery may take, connect to last byte; a hanging target fails the attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryResult {
  ok: boolean;
  /** HTTP status, or 0 when no answer came */
  status: number;
  message: string;
}

/** POSTs one payload; `skipCertVerify` accepts any certificate of an https target. Never throws. */
export function postWebhook(address: string, body: string, headers: Record<string, string>, skipCertVerify: boolean, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<DeliveryResult> {
  return new Promise((resolve) => {
    const url = new URL(address);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const options = {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Wharf-Webhook/1.0' },
      ...(url.protocol === 'https:' ? { rejectUnauthorized: !skipCertVerify } : {}),
    };
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const req = send(url, options, (response) => {
      response.resume();
      response.on('end', () => {
        clearTimeout(timer);
        const status = response.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, status, message: `HTTP ${status}` });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        resolve({ ok: false, status: 0, message: error.message });
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, status: 0, message: error.message });
    });
    req.end(body);
  });
}
