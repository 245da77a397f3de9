import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { EventOrigins } from '@wharf/events';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

/**
 * Every management request's handler runs with the request's origin (client address, user agent) as the
 * EventOrigin: the artifact events it writes carry them, and the audit log, derived from those
 * events in the worker, records where a change came from as the api did when it wrote entries
 * itself. (Nest binds the handler to the async context `handle()` is called in.) /v2 sets it in
 * DistributionRoutes, outside Nest's pipeline.
 */
export class EventOriginInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const userAgent = request.headers['user-agent'];
    return EventOrigins.run({ clientIp: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : undefined }, () => next.handle());
  }
}
