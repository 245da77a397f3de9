import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiError } from '../management/api-error';
import type { FastifyRequest } from 'fastify';

/**
 * Refuses, before any other guard or handler, a URL whose path or query encodes a NUL character
 * (`%00`): no name, reference or filter may hold one, and Postgres refuses it in text, which
 * would otherwise surface as a 500 from deep inside a query, even for anonymous callers. (A raw
 * NUL never gets this far: Node's HTTP parser rejects it. Basic credentials with a NUL in the
 * user name are refused as invalid by parseBasicAuthorization; JSON bodies by the body reader.)
 */
@Injectable()
export class RefuseNulBytesGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { url } = context.switchToHttp().getRequest<FastifyRequest>();
    if (encodesNul(url)) throw new ApiError('BAD_REQUEST', 'the request URL contains a NUL character');
    return true;
  }
}

/** Whether a URL encodes a NUL character (/v2 refuses it too, in the OCI error shape: DistributionRoutes). */
export function encodesNul(url: string): boolean {
  return url.includes('%00');
}
