import { Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import { toAuditLogResponse, type AuditLogResponse } from './audit-log.dto';
import { AuditLogManagementService } from './audit-log-management.service';

/** Harbor's GET /api/v2.0/audit-logs and GET /api/v2.0/projects/{project_name_or_id}/logs. */
@ManagementController()
export class AuditLogsController {
  constructor(private readonly auditLogs: AuditLogManagementService) {}

  @Get('audit-logs')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuditLogResponse[]> {
    const { items, total } = await this.auditLogs.listAll(principal, query);
    setPageHeaders(request, reply, query, total);
    return items.map(toAuditLogResponse);
  }

  @Get('projects/:project_name_or_id/logs')
  async listProject(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name_or_id') project: string,
    @Headers('x-is-resource-name') isResourceName: string | undefined,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuditLogResponse[]> {
    const { items, total } = await this.auditLogs.listProject(principal, project, isResourceName?.toLowerCase() === 'true', query);
    setPageHeaders(request, reply, query, total);
    return items.map(toAuditLogResponse);
  }
}
