import { Body, Get, Header, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { ScanAllScheduleRequest, ScanRequest, type ScanAllMetricsResponse } from './scan.dto';
import { ScanManagementService } from './scan-management.service';

/** Harbor's .../artifacts/{reference}/scan, .../scan/stop and .../scan/{report_id}/log. */
@ManagementController('projects/:project_name/repositories/:repository_name/artifacts/:reference/scan')
export class ArtifactScanController {
  constructor(private readonly scans: ScanManagementService) {}

  @Post()
  @HttpCode(202)
  async scan(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Param('reference') reference: string,
    @Body() body: ScanRequest,
  ): Promise<void> {
    await this.scans.scan(principal, { project, repository }, reference, body?.scan_type ?? 'vulnerability');
  }

  @Post('stop')
  @HttpCode(202)
  async stop(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Param('reference') reference: string,
    @Body() body: ScanRequest,
  ): Promise<void> {
    await this.scans.stop(principal, { project, repository }, reference, body?.scan_type ?? 'vulnerability');
  }

  @Get(':report_id/log')
  @Header('content-type', 'text/plain; charset=utf-8')
  async log(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Param('reference') reference: string,
    @Param('report_id') reportId: string,
  ): Promise<string> {
    return this.scans.log(principal, { project, repository }, reference, reportId);
  }
}

/** Harbor's /system/scanAll: the scan-all schedule, a manual run, stopping it. */
@ManagementController('system/scanAll')
export class ScanAllController {
  constructor(private readonly scans: ScanManagementService) {}

  @Get('schedule')
  async getSchedule(@CurrentPrincipal() principal: Principal): Promise<Record<string, unknown>> {
    return this.scans.getSchedule(principal);
  }

  /** Manual: 201 and the run starts; other types set (or, None, remove) the schedule. */
  @Post('schedule')
  async createSchedule(@CurrentActor() actor: Actor, @Body() body: ScanAllScheduleRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.scans.applySchedule(actor, body);
    void reply.header('location', '/api/v2.0/system/scanAll/schedule');
  }

  @Put('schedule')
  @HttpCode(200)
  async updateSchedule(@CurrentActor() actor: Actor, @Body() body: ScanAllScheduleRequest): Promise<void> {
    await this.scans.applySchedule(actor, body);
  }

  @Post('stop')
  @HttpCode(202)
  async stop(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.scans.stopAll(principal);
  }
}

/** Harbor's /scans/all/metrics (the latest manual run) and /scans/schedule/metrics (the latest scheduled one). */
@ManagementController('scans')
export class ScanMetricsController {
  constructor(private readonly scans: ScanManagementService) {}

  @Get('all/metrics')
  async all(@CurrentPrincipal() principal: Principal): Promise<ScanAllMetricsResponse> {
    return this.scans.metrics(principal, 'MANUAL');
  }

  @Get('schedule/metrics')
  async scheduled(@CurrentPrincipal() principal: Principal): Promise<ScanAllMetricsResponse> {
    return this.scans.metrics(principal, 'SCHEDULE');
  }
}
