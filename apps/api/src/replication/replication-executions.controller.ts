import { Body, Get, Header, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { setPageHeaders } from '../management/pagination';
import {
  ExecutionIdParams, ExecutionListQuery, StartExecutionRequest, TaskIdParams, TaskListQuery,
  type ReplicationExecutionResponse, type ReplicationTaskResponse,
} from './replication.dto';
import { ReplicationManagementService } from './replication-management.service';

/** Harbor's /api/v2.0/replication/executions: start (and dry-run), list, read, stop, tasks and their logs. */
@ManagementController('replication/executions')
export class ReplicationExecutionsController {
  constructor(private readonly replication: ReplicationManagementService) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ExecutionListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReplicationExecutionResponse[]> {
    const { items, total } = await this.replication.listExecutions(principal, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  /** 201 with the execution's Location; 404 for an unknown policy, 412 for a disabled one. */
  @Post()
  async start(@CurrentActor() actor: Actor, @Body() body: StartExecutionRequest, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const id = await this.replication.start(actor, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${id}`);
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: ExecutionIdParams): Promise<ReplicationExecutionResponse> {
    return this.replication.getExecution(principal, params.id);
  }

  /** Stops the execution (Harbor's PUT); a finished one is left as it is. */
  @Put(':id')
  @HttpCode(200)
  async stop(@CurrentActor() actor: Actor, @Param() params: ExecutionIdParams): Promise<void> {
    await this.replication.stop(actor, params.id);
  }

  @Get(':id/tasks')
  async tasks(
    @CurrentPrincipal() principal: Principal,
    @Param() params: ExecutionIdParams,
    @Query() query: TaskListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReplicationTaskResponse[]> {
    const { items, total } = await this.replication.listTasks(principal, params.id, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Get(':id/tasks/:task_id/log')
  @Header('content-type', 'text/plain; charset=utf-8')
  async log(@CurrentPrincipal() principal: Principal, @Param() params: TaskIdParams): Promise<string> {
    return this.replication.taskLog(principal, params.id, params.task_id);
  }
}
