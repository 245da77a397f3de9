import { BadRequestException, Catch, HttpException, Logger, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainError } from '@wharf/errors';
import { ApiError } from './api-error';
import { isRedisUnavailable } from '@wharf/redis';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestIdOf } from '../http/request-id';
import { isClientAbort } from '../http/client-abort';
import { allowedMethods } from '../http/method-not-allowed';
import { harborErrorOf } from './harbor-error-mapping';

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  412: 'PRECONDITION',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

/**
 * Renders every management-API failure as Harbor does: `{"errors":[{"code","message"}]}` (domain
 * errors through harborErrorOf).
 * Validation failures list what was wrong; a 5xx carries the request id (logged with the cause),
 * never a stack or an SQL message.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ManagementApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (reply.sent) return;
    const { status, code, message, headers } = this.describe(exception, request);
    // a browser shows its own password dialog on a Basic challenge, even to the portal's script: none for browsers
    if (status === 401 && request.headers['sec-fetch-site'] === undefined) void reply.header('www-authenticate', 'Basic realm="wharf"');
    if (headers) void reply.headers(headers);
    void reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(request.method === 'HEAD' ? undefined : JSON.stringify({ errors: [{ code, message }] }));
  }

  private describe(exception: unknown, request: FastifyRequest): { status: number; code: string; message: string; headers?: Record<string, string> } {
    // raised by the libs: mapped in one table
    if (exception instanceof DomainError) return harborErrorOf(exception);
    // raised by the api's own guards, parsers and management services
    if (exception instanceof ApiError) return { status: exception.status, code: exception.code, message: exception.message };
    // no route answered: a known path asked with a method it does not take is a 405 naming those it does
    if (exception instanceof NotFoundException && !request.routeOptions?.url) {
      const allow = allowedMethods(request.server, request.url);
      if (allow.length > 0) {
        return { status: 405, code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not allowed on ${request.url.split('?')[0]}; allowed: ${allow.join(', ')}`, headers: { allow: allow.join(', ') } };
      }
      return { status: 404, code: 'NOT_FOUND', message: `no such path: ${request.method} ${request.url.split('?')[0]}` };
    }
    if (exception instanceof BadRequestException) {
      const response = exception.getResponse() as { message?: string | string[] };
      const message = Array.isArray(response.message) ? response.message.join('; ') : (response.message ?? exception.message);
      return { status: 400, code: 'BAD_REQUEST', message };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      return { status: exception.getStatus(), code: STATUS_CODES[exception.getStatus()] ?? 'BAD_REQUEST', message: exception.message };
    }
    const statusCode = (exception as { statusCode?: number }).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      // errors that carry their status: Fastify's own, the body reader's (too large, too slow), malformed JSON
      return { status: statusCode, code: STATUS_CODES[statusCode] ?? 'BAD_REQUEST', message: (exception as Error).message };
    }
    // the client went away mid-body: its request line ("request aborted") says all there is to say
    if (isClientAbort(exception)) return { status: 400, code: 'BAD_REQUEST', message: 'the request was aborted' };
    if (isRedisUnavailable(exception)) {
      this.logger.warn(`${request.method} ${request.url.split('?')[0]}: answered 503, Redis is not answering (${(exception as Error).message})`);
      return { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'a service Wharf depends on is not answering; try again shortly' };
    }
    const requestId = requestIdOf(request.raw);
    this.logger.error({ err: exception, requestId, method: request.method, url: request.url.split('?')[0] }, 'unhandled management API error');
    return { status: 500, code: 'INTERNAL_SERVER_ERROR', message: `internal error (request id ${requestId})` };
  }
}
