import { Body, Get, Header, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import { GcIdParams, GcScheduleRequest, type GcHistoryResponse, type GcScheduleResponse } from './gc.dto';
import { GcManagementService } from './gc-management.service';

/** Harbor's /api/v2.0/system/gc: the GC schedule, manual runs, their history and logs, stopping a run. */
@ManagementController('system/gc')
export class GcController {
  constructor(private readonly gc: GcManagementService) {}

  @Get('schedule')
  async getSchedule(@CurrentPrincipal() principal: Principal): Promise<GcScheduleResponse> {
    return this.gc.getSchedule(principal);
  }

  /** Manual: 201 with the run's Location; 409 while another collection is pending or running. */
  @Post('schedule')
  async createSchedule(@CurrentActor() actor: Actor, @Body() body: GcScheduleRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const { executionId } = await this.gc.applySchedule(actor, body);
    void reply.header('location', executionId === undefined ? '/api/v2.0/system/gc/schedule' : `/api/v2.0/system/gc/${executionId}`);
  }

  @Put('schedule')
  @HttpCode(200)
  async updateSchedule(@CurrentActor() actor: Actor, @Body() body: GcScheduleRequest): Promise<void> {
    await this.gc.applySchedule(actor, body);
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<GcHistoryResponse[]> {
    const { items, total } = await this.gc.list(principal, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Get(':gc_id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: GcIdParams): Promise<GcHistoryResponse> {
    return this.gc.get(principal, params.gc_id);
  }

  @Get(':gc_id/log')
  @Header('content-type', 'text/plain; charset=utf-8')
  async log(@CurrentPrincipal() principal: Principal, @Param() params: GcIdParams): Promise<string> {
    return this.gc.log(principal, params.gc_id);
  }

  /** Stops the run (Harbor's PUT /system/gc/{id}); a finished run is left as it is. */
  @Put(':gc_id')
  @HttpCode(200)
  async stop(@CurrentActor() actor: Actor, @Param() params: GcIdParams): Promise<void> {
    await this.gc.stop(actor, params.gc_id);
  }
}
