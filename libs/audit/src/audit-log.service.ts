import { Injectable } from '@nestjs/common';
import { AuditLogRepository } from './audit-log.repository';
import type { AuditLogFilter, AuditLogRecord } from './audit-log.types';

/**
 * Reads the audit log. Nothing is written through here: a management change writes its entry in
 * its own transaction (`AuditTrail`), and artifact actions are audited from their events by the
 * audit consumer (`AuditEventConsumer`), so no entry waits in memory where it could be lost.
 */
@Injectable()
export class AuditLogService {
  constructor(private readonly repository: AuditLogRepository) {}

  async list(filter: AuditLogFilter): Promise<{ items: AuditLogRecord[]; total: number }> {
    return this.repository.list(filter);
  }
}
