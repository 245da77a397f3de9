import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiError } from './api-error';
import { ANONYMOUS, Authenticator, parseBasicAuthorization, PortalSessions, type Principal } from '@wharf/iam';
import type { FastifyRequest } from 'fastify';
import { csrfTokenMatches } from '../portal/csrf-token';
import { CSRF_HEADER, SESSION_COOKIE, cookieOf } from '../portal/session-cookies';

export type AuthenticatedRequest = FastifyRequest & { principal: Principal };

// what a cookie-authenticated call may do without echoing the CSRF token: nothing that changes state
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Management API authentication: HTTP Basic for users and robots (as Harbor's API accepts), the
 * web portal's session cookie (`sid`, see PortalSessions), or nobody (anonymous). An
 * Authorization header wins over the cookie (a script's own credentials are never mixed with a
 * browser's session). Bad Basic credentials are a 401 at once; a session that ended is no session
 * (anonymous, as in Harbor), so what needs a login answers 401. A call made with the cookie that
 * changes state must echo the session's CSRF token in X-Harbor-CSRF-Token, or it is refused (403)
 * before its body is read. What a principal may do is decided per endpoint against the same
 * permission model as /v2.
 */
@Injectable()
export class ManagementAuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly sessions: PortalSessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.headers.authorization === undefined) {
      request.principal = (await this.sessionPrincipal(request)) ?? ANONYMOUS;
      return true;
    }
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

  private async sessionPrincipal(request: FastifyRequest): Promise<Principal | null> {
    const sid = cookieOf(request.headers.cookie, SESSION_COOKIE);
    if (!sid) return null;
    const session = await this.sessions.resume(sid);
    if (!session) return null;
    if (!SAFE_METHODS.has(request.method) && !csrfTokenMatches(request.headers[CSRF_HEADER], session.csrfToken)) throw new ApiError('FORBIDDEN', 'CSRF token invalid');
    return session.principal;
  }
}
