import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { distributionRoute } from './distribution-route';

/**
 * The one place /v2 access is decided. It parses the route (so malformed names fail before any
 * work) and is where the docker token / Basic auth check and the project permission model
 * plug in (identity issue). Until then the registry is open.
 */
@Injectable()
export class RegistryAccessGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    distributionRoute(request);
    return true;
  }
}
