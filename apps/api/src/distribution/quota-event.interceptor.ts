import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { isQuotaExceeded } from '@wharf/artifacts';
import { EventOutbox, EventType } from '@wharf/events';
import type { FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { distributionRoute } from './distribution-route';
import { registryCaller } from './registry-caller';

/**
 * A blob upload or mount refused over the project's quota becomes a QUOTA_EXCEED event (the
 * refusal itself still goes to the client unchanged). Manifest pushes record theirs in
 * StoreManifestCommand, which sees the digest.
 */
@Injectable()
export class QuotaEventInterceptor implements NestInterceptor {
  private readonly logger = new Logger(QuotaEventInterceptor.name);

  constructor(private readonly outbox: EventOutbox) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!isQuotaExceeded(error)) return throwError(() => error);
        return from(this.record(context.switchToHttp().getRequest<FastifyRequest>(), error.message)).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }

  private async record(request: FastifyRequest, message: string): Promise<void> {
    try {
      const route = distributionRoute(request);
      if (route.kind !== 'uploads' && route.kind !== 'upload') return;
      await this.outbox.append([{ type: EventType.QuotaExceed, data: { repository: route.repository.name, message, operator: registryCaller(request).name } }]);
    } catch (error) {
      this.logger.warn(`could not record a quota event: ${(error as Error).message}`);
    }
  }
}
