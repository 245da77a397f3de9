import { Injectable } from '@nestjs/common';
import { AuditLogService, type AuditLogRecord } from '@wharf/audit';
import type { Principal } from '@wharf/iam';
import type { PageQuery } from '../management/pagination';
import { ProjectAuthorizer, requireSysadmin } from '../management/project-authorizer';
import { auditLogFilter } from './audit-log-query';

/**
 * Who may read which audit log: the whole log is for system administrators; a project's
 * entries for whoever holds log:list in it (a caller who cannot see the project gets a 404).
 */
@Injectable()
export class AuditLogManagementService {
  constructor(
    private readonly audit: AuditLogService,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  async listAll(principal: Principal, query: PageQuery): Promise<{ items: AuditLogRecord[]; total: number }> {
    requireSysadmin(principal);
    return this.audit.list(auditLogFilter(query));
  }

  async listProject(principal: Principal, nameOrId: string, isResourceName: boolean, query: PageQuery): Promise<{ items: AuditLogRecord[]; total: number }> {
    const { project } = await this.authorizer.require(principal, nameOrId, 'log:list', isResourceName);
    return this.audit.list(auditLogFilter(query, project.project_id));
  }
}
