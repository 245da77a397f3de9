import { Global, Module } from '@nestjs/common';
import { AuditEventConsumer } from './audit-event-consumer';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';

/**
 * Owns the audit log (the audit_log table); global, because every domain's changes are recorded
 * in it. Artifact changes reach it from the event stream (AuditEventConsumer, run by the worker).
 */
@Global()
@Module({
  providers: [AuditLogService, AuditLogRepository, AuditEventConsumer],
  exports: [AuditLogService],
})
export class AuditModule {}
