import { Controller, Get, Query, Req, UseFilters } from '@nestjs/common';
import { ApiError } from '../management/api-error';
import {
  ANONYMOUS,
  Authenticator,
  DockerTokenService,
  parseBasicAuthorization,
  principalName,
  type AnonymousPrincipal,
  type AuthenticatedPrincipal,
  type IssuedToken,
} from '@wharf/iam';
import type { FastifyRequest } from 'fastify';
import { ApiExceptionFilter } from '../management/api-exception.filter';
import { TokenScopes } from './token-scopes';

/**
 * Docker token authentication (CONTRACTS.md section 2): `GET /service/token?service=&scope=`
 * with Basic credentials (a user, a robot, or none for anonymous). Every requested scope is
 * reduced to what the caller may do; an unknown project or no right gives empty actions, never
 * an error that would reveal whether the project exists. Bad credentials: 401. A token
 * records when the credentials were checked (revocations after that void it) and never
 * outlives a robot's expiry.
 */
@Controller('service/token')
@UseFilters(ApiExceptionFilter)
export class TokenController {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly tokens: DockerTokenService,
    private readonly scopes: TokenScopes,
  ) {}

  @Get()
  async token(@Req() request: FastifyRequest, @Query('scope') scope?: string | string[]): Promise<IssuedToken> {
    const principal = await this.caller(request);
    const requested = (Array.isArray(scope) ? scope : scope ? [scope] : []).flatMap((s) => s.split(' ')).filter(Boolean);
    const access = await this.scopes.grant(principal, requested);
    if (principal.kind === 'anonymous') return this.tokens.issue('', access);
    const notAfter = principal.kind === 'robot' ? principal.expiresAt : undefined;
    return this.tokens.issue(principalName(principal), access, { authenticatedAt: principal.checkedAt, notAfter });
  }

  private async caller(request: FastifyRequest): Promise<AuthenticatedPrincipal | AnonymousPrincipal> {
    const credentials = parseBasicAuthorization(request.headers.authorization);
    if (credentials === undefined) return ANONYMOUS;
    const principal = credentials ? await this.authenticator.authenticate(credentials, request.ip) : null;
    if (!principal) throw new ApiError('UNAUTHORIZED', 'invalid username or password');
    return principal;
  }
}
