import { Body, Delete, Get, Header, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { RetentionPolicy } from '@wharf/retention';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import {
  DryRunParams,
  DryRunTaskParams,
  RetentionExecutionAction,
  RetentionExecutionParams,
  RetentionExecutionRequest,
  RetentionIdParams,
  RetentionListQuery,
  RetentionPolicyRequest,
  RetentionTaskParams,
  type RetentionExecutionResponse,
  type RetentionTaskResponse,
} from './retention.dto';
import { RetentionManagementService } from './retention-management.service';

/**
 * Harbor's /api/v2.0/retentions (tag retention policies, their executions, tasks and logs), plus
 * `GET /retentions?project_id=` and the dry run of an unsaved body (`POST /retentions/dry-run`,
 * read back under `/retentions/dry-runs/{eid}`).
 */
@ManagementController('retentions')
export class RetentionsController {
  constructor(private readonly retention: RetentionManagementService) {}

  @Get('metadatas')
  metadata(@CurrentPrincipal() principal: Principal): unknown {
    return this.retention.metadata(principal);
  }

  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: RetentionListQuery): Promise<RetentionPolicy[]> {
    return this.retention.list(principal, query.project_id);
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Body() body: RetentionPolicyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const policy = await this.retention.create(actor, body);
    void reply.header('location', `/api/v2.0/retentions/${policy.id}`);
  }

  /** The preview of an unsaved policy: a dry run, 201 with its Location under /retentions/dry-runs. */
  @Post('dry-run')
  async dryRunUnsaved(@CurrentActor() actor: Actor, @Body() body: RetentionPolicyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ execution_id: number }> {
    const executionId = await this.retention.dryRunUnsaved(actor, body);
    void reply.header('location', `/api/v2.0/retentions/dry-runs/${executionId}`);
    return { execution_id: executionId };
  }

  @Get('dry-runs/:eid')
  dryRun(@CurrentPrincipal() principal: Principal, @Param() params: DryRunParams): Promise<RetentionExecutionResponse> {
    return this.retention.dryRun(principal, params.eid);
  }

  @Get('dry-runs/:eid/tasks')
  dryRunTasks(@CurrentPrincipal() principal: Principal, @Param() params: DryRunParams): Promise<RetentionTaskResponse[]> {
    return this.retention.tasks(principal, null, params.eid);
  }

  @Get('dry-runs/:eid/tasks/:tid')
  @Header('content-type', 'text/plain; charset=utf-8')
  dryRunTaskLog(@CurrentPrincipal() principal: Principal, @Param() params: DryRunTaskParams): Promise<string> {
    return this.retention.taskLog(principal, null, params.eid, params.tid);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param() params: RetentionIdParams): Promise<RetentionPolicy> {
    return this.retention.get(principal, params.id);
  }

  @Put(':id')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @Param() params: RetentionIdParams, @Body() body: RetentionPolicyRequest): Promise<void> {
    await this.retention.update(actor, params.id, body);
  }

  @Delete(':id')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param() params: RetentionIdParams): Promise<void> {
    await this.retention.delete(actor, params.id);
  }

  @Post(':id/executions')
  async execute(@CurrentActor() actor: Actor, @Param() params: RetentionIdParams, @Body() body: RetentionExecutionRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const executionId = await this.retention.execute(actor, params.id, body.dry_run ?? false);
    void reply.header('location', `/api/v2.0/retentions/${params.id}/executions/${executionId}`);
  }

  @Get(':id/executions')
  async executions(
    @CurrentPrincipal() principal: Principal,
    @Param() params: RetentionIdParams,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RetentionExecutionResponse[]> {
    const { items, total } = await this.retention.executions(principal, params.id, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Patch(':id/executions/:eid')
  @HttpCode(200)
  async stop(@CurrentActor() actor: Actor, @Param() params: RetentionExecutionParams, @Body() _body: RetentionExecutionAction): Promise<void> {
    await this.retention.stop(actor, params.id, params.eid);
  }

  @Get(':id/executions/:eid/tasks')
  tasks(@CurrentPrincipal() principal: Principal, @Param() params: RetentionExecutionParams): Promise<RetentionTaskResponse[]> {
    return this.retention.tasks(principal, params.id, params.eid);
  }

  @Get(':id/executions/:eid/tasks/:tid')
  @Header('content-type', 'text/plain; charset=utf-8')
  taskLog(@CurrentPrincipal() principal: Principal, @Param() params: RetentionTaskParams): Promise<string> {
    return this.retention.taskLog(principal, params.id, params.eid, params.tid);
  }
}
