import { Controller, Get, Query, Req, UseFilters } from '@nestjs/common';
import { ApiError } from '@wharf/errors';
import { ANONYMOUS, Authenticator, DockerTokenService, parseBasicAuthorization, principalName, type IssuedToken, type Principal } from '@wharf/iam';
import type { FastifyRequest } from 'fastify';
import { ApiExceptionFilter } from '../management/api-exception.filter';
import { TokenScopes } from './token-scopes';

/**
 * Docker token authentication (CONTRACTS.md section 2): `GET /service/token?service=&scope=`
 * with Basic credentials (a user, a robot, or none for anonymous). Every requested scope is
 * reduced to what the caller may do; an unknown project or no right gives empty actions, never
 * an error that would reveal whether the project exists. Bad credentials: 401.
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
    return this.tokens.issue(principal.kind === 'anonymous' ? '' : principalName(principal), access);
  }

  private async caller(request: FastifyRequest): Promise<Principal> {
    const credentials = parseBasicAuthorization(request.headers.authorization);
    if (credentials === undefined) return ANONYMOUS;
    const principal = credentials ? await this.authenticator.authenticate(credentials, request.ip) : null;
    if (!principal) throw new ApiError('UNAUTHORIZED', 'invalid username or password');
    return principal;
  }
}
