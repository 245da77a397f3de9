import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiError } from './api-error';
import { ANONYMOUS, Authenticator, parseBasicAuthorization, type Principal } from '@wharf/iam';
import type { FastifyRequest } from 'fastify';

export type AuthenticatedRequest = FastifyRequest & { principal: Principal };

/**
 * Management API authentication: HTTP Basic for users and robots (as Harbor's API accepts), or
 * nobody (anonymous). Bad credentials are a 401 at once; what a principal may do is decided
 * per endpoint against the same permission model as /v2.
 */
@Injectable()
export class ManagementAuthGuard implements CanActivate {
  constructor(private readonly authenticator: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const credentials = parseBasicAuthorization(request.headers.authorization);
    if (credentials === undefined) {
      request.principal = ANONYMOUS;
      return true;
    }
    const principal = credentials ? await this.authenticator.authenticate(credentials, request.ip) : null;
    if (!principal) throw new ApiError('UNAUTHORIZED', 'invalid credentials');
    request.principal = principal;
    return true;
  }
}
