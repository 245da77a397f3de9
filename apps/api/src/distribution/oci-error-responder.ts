import { HttpException, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@wharf/errors';
import { BlobNotFoundError, clientAborted } from '@wharf/registry-core';
import { isRedisUnavailable } from '@wharf/redis';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestIdOf } from '../http/request-id';
import { OciError, type OciErrorCode } from './oci-error';
import { ociErrorOf } from './oci-error-mapping';

const HTTP_TO_OCI: Record<number, OciErrorCode> = { 401: 'UNAUTHORIZED', 403: 'DENIED', 404: 'NAME_UNKNOWN', 405: 'UNSUPPORTED', 413: 'SIZE_INVALID', 415: 'UNSUPPORTED', 429: 'TOOMANYREQUESTS' };

/**
 * Renders every /v2 failure in the distribution spec's shape (domain errors through ociErrorOf);
 * a 5xx carries the request id (logged with its cause), never internals.
 */
@Injectable()
export class OciErrorResponder {
  private readonly logger = new Logger('Distribution');

  send(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const error = this.toOciError(exception, request);
    if (reply.sent) return;
    reply.status(error.status).headers(error.headers).header('content-type', 'application/json');
    const body = request.method === 'HEAD' ? undefined : JSON.stringify({ errors: [{ code: error.code, message: error.message, detail: error.detail ?? {} }] });
    void reply.send(body);
  }

  private toOciError(exception: unknown, request: FastifyRequest): OciError {
    // raised here, by the /v2 routes and guards themselves
    if (exception instanceof OciError) return exception;
    // raised by the libs: mapped in one table
    if (exception instanceof DomainError) return ociErrorOf(exception);
    // the client went away mid-body: nothing to report, and nobody to report it to
    const aborted = clientAborted(exception);
    if (aborted instanceof DomainError) return ociErrorOf(aborted);
    if (exception instanceof BlobNotFoundError) return new OciError('BLOB_UNKNOWN', 'blob unknown to registry');
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) return new OciError(HTTP_TO_OCI[status] ?? 'UNSUPPORTED', exception.message, undefined, status);
    }
    if (isRedisUnavailable(exception)) {
      this.logger.warn(`${request.method} ${request.url.split('?')[0]}: answered 503, Redis is not answering (${(exception as Error).message})`);
      return new OciError('UNAVAILABLE', 'a service the registry depends on is not answering; try again shortly', undefined, 503);
    }
    const requestId = requestIdOf(request.raw);
    this.logger.error({ err: exception, requestId, method: request.method, url: request.url.split('?')[0] }, 'unhandled /v2 error');
    return new OciError('UNKNOWN', `internal error (request id ${requestId})`, { request_id: requestId }, 500);
  }
}
