import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ScannerApiError } from './scanner-api-error';

/** Harbor's name of the API-key header (its auth type `X-ScannerAdapter-API-Key`). */
export const API_KEY_HEADER = 'x-scanneradapter-api-key';

// compared as hashes so the comparison takes the same time whatever the lengths
const digestOf = (value: string) => createHash('sha256').update(value).digest();
const same = (given: string, key: string) => timingSafeEqual(digestOf(given), digestOf(key));

/**
 * With SCANNER_API_KEY set, every API call must carry the key the way Harbor sends a scanner
 * registration's credential: `Authorization: Bearer <key>` (auth Bearer), the header
 * `X-ScannerAdapter-API-Key: <key>` (auth X-ScannerAdapter-API-Key), or `Authorization: Basic`
 * with the key as the password (auth Basic, any user name). Without it, the API is open.
 */
@Injectable()
export class ScannerAuthGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const key = this.config.SCANNER_API_KEY;
    if (!key) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const apiKey = request.headers[API_KEY_HEADER];
    if (typeof apiKey === 'string' && apiKey && same(apiKey.trim(), key)) return true;
    const authorization = request.headers.authorization ?? '';
    const [scheme, value] = authorization.trim().split(/\s+/, 2);
    if (value && /^bearer$/i.test(scheme) && same(value, key)) return true;
    if (value && /^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0 && same(decoded.slice(colon + 1), key)) return true;
    }
    throw new ScannerApiError(401, authorization || apiKey ? 'invalid API key' : 'this scanner requires an API key (Authorization: Bearer <key> or X-ScannerAdapter-API-Key)', {
      'www-authenticate': 'Bearer realm="wharf-scanner"',
    });
  }
}
