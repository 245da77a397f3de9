import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { MIME } from './mime-types';
import { ScannerApiError } from './scanner-api-error';

/**
 * Every error of the scanner's HTTP API in the spec's shape, `{"error":{"message"}}`, as
 * `application/vnd.scanner.adapter.error+json; version=1.0`. A 5xx of ours carries an error id
 * (logged with its cause), never a stack or an SQL message.
 */
@Catch()
export class ScannerExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ScannerApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let status: number;
    let message: string;
    let headers: Record<string, string> = {};
    if (exception instanceof ScannerApiError) {
      ({ status, message, headers } = exception);
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      message = exception.message;
    } else if (typeof (exception as { statusCode?: unknown })?.statusCode === 'number' && (exception as { statusCode: number }).statusCode < 500) {
      // Fastify's own refusals (a body over the limit, a malformed header)
      status = (exception as { statusCode: number }).statusCode;
      message = (exception as Error).message;
    } else {
      const id = randomUUID();
      this.logger.error({ err: exception, errorId: id }, `internal error ${id}`);
      status = 500;
      message = `internal error (error id ${id})`;
    }
    void reply.status(status).headers({ ...headers, 'content-type': MIME.error }).send(Buffer.from(JSON.stringify({ error: { message } })));
  }
}
