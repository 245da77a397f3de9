import { Body, Controller, Get, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiConsumes, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { PortalSessions } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FormBody } from '../http/form-body.decorator';
import { ApiError } from '../management/api-error';
import { ApiExceptionFilter } from '../management/api-exception.filter';
import { LoginForm } from './login-form.dto';
import { SameOriginLoginGuard } from './same-origin-login.guard';
import { SESSION_COOKIE, clearedSessionCookies, cookieOf, sessionCookies } from './session-cookies';

/** Harbor's portal session endpoints: `/c/login` (a form) and `/c/log_out`. */
@ApiTags('session')
@Controller('c')
@UseFilters(ApiExceptionFilter)
export class PortalSessionController {
  constructor(private readonly sessions: PortalSessions) {}

  @Post('login')
  @HttpCode(200)
  @FormBody()
  @UseGuards(SameOriginLoginGuard)
  @ApiOperation({ summary: 'Log in to the portal', description: 'Opens a session: sets the `sid` cookie (HttpOnly) and the `__csrf` cookie, whose value state-changing calls made with the session echo in X-Harbor-CSRF-Token.', security: [] })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOkResponse({ description: 'logged in; the body is empty', headers: { 'Set-Cookie': { description: '`sid=...; HttpOnly; SameSite=Lax` and `__csrf=...; SameSite=Strict` (both Secure over TLS)', schema: { type: 'string' } } } })
  @ApiUnauthorizedResponse({ description: 'wrong user name or password, or a robot' })
  @ApiForbiddenResponse({ description: 'a cross-site login' })
  @ApiTooManyRequestsResponse({ description: 'too many failed logins; Retry-After says when to try again' })
  async login(@Body() form: LoginForm, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const session = await this.sessions.open({ username: form.principal, password: form.password }, request.ip);
    if (!session) throw new ApiError('UNAUTHORIZED', 'invalid user name or password');
    void reply.header('set-cookie', sessionCookies(request, session.sid, session.csrfToken)).header('cache-control', 'no-store');
  }

  @Get('log_out')
  @ApiOperation({ summary: 'Log out of the portal', description: 'Ends the session the `sid` cookie names (if any) and clears both cookies.', security: [] })
  @ApiOkResponse({ description: 'logged out; the body is empty' })
  async logOut(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const sid = cookieOf(request.headers.cookie, SESSION_COOKIE);
    if (sid) await this.sessions.end(sid);
    void reply.header('set-cookie', clearedSessionCookies(request)).header('cache-control', 'no-store');
  }
}
