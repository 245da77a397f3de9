import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../management/api-error';

/**
 * Refuses login CSRF: another site posting its own credentials to /c/login would log the victim's
 * browser into the attacker's account. A browser says where a request comes from (Sec-Fetch-Site,
 * and Origin on a POST); when it does, the login must come from this origin. Clients that say
 * neither (curl, scripts) have no ambient cookies to abuse, and are let through.
 */
@Injectable()
export class SameOriginLoginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw crossSite();
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) throw crossSite();
    return true;
  }
}

const crossSite = () => new ApiError('FORBIDDEN', 'a login must come from the portal itself (cross-site login refused)');
