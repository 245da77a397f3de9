import { Module } from '@nestjs/common';
import { ManagementModule } from '../management/management.module';
import { AuditLogManagementService } from './audit-log-management.service';
import { AuditLogsController } from './audit-logs.controller';

/** Management API /audit-logs and /projects/{p}/logs (the AuditLogService itself is global, from AuditModule). */
@Module({
  imports: [ManagementModule],
  controllers: [AuditLogsController],
  providers: [AuditLogManagementService],
})
export class AuditLogsApiModule {}
