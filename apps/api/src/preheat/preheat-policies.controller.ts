import { Body, Delete, Get, Header, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { ExecutionResponse, TaskResponse } from '../management/execution.dto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import { SelectedProject, type ProjectSelector } from '../projects/project-selector.decorator';
import {
  PreheatExecutionParams, PreheatPolicyParams, PreheatPolicyRequest, PreheatRunRequest, PreheatTaskParams, StopPreheatExecutionRequest,
  type PreheatPolicyResponse,
} from './preheat.dto';
import { PreheatManagementService, type PreviewAnswer } from './preheat-management.service';

/** Harbor's /api/v2.0/projects/{project_name}/preheat: policies by name, their runs, and (Wharf's addition) a preview. */
@ManagementController('projects/:project_name_or_id/preheat')
export class PreheatPoliciesController {
  constructor(private readonly preheat: PreheatManagementService) {}

  @Get('providers')
  async providers(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector): Promise<unknown[]> {
    return this.preheat.providersUnderProject(principal, project);
  }

  @Get('policies')
  async list(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PreheatPolicyResponse[]> {
    const { items, total } = await this.preheat.listPolicies(principal, project, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Post('policies')
  async create(
    @CurrentActor() actor: Actor,
    @SelectedProject() project: ProjectSelector,
    @Body() body: PreheatPolicyRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const policy = await this.preheat.createPolicy(actor, project, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${encodeURIComponent(policy.name)}`);
  }

  @Get('policies/:preheat_policy_name')
  async get(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: PreheatPolicyParams): Promise<PreheatPolicyResponse> {
    return this.preheat.getPolicy(principal, project, params.preheat_policy_name);
  }

  @Put('policies/:preheat_policy_name')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @SelectedProject() project: ProjectSelector, @Param() params: PreheatPolicyParams, @Body() body: PreheatPolicyRequest): Promise<void> {
    await this.preheat.updatePolicy(actor, project, params.preheat_policy_name, body);
  }

  /** Harbor's ManualPreheat: 201 with the execution's Location. */
  @Post('policies/:preheat_policy_name')
  async run(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Param() params: PreheatPolicyParams,
    @Body() _body: PreheatRunRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const executionId = await this.preheat.run(principal, project, params.preheat_policy_name);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/executions/${executionId}`);
  }

  @Delete('policies/:preheat_policy_name')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @SelectedProject() project: ProjectSelector, @Param() params: PreheatPolicyParams): Promise<void> {
    await this.preheat.deletePolicy(actor, project, params.preheat_policy_name);
  }

  /** Wharf's addition: what a run now would preheat, and for every other artifact the filter that excluded it. */
  @Get('policies/:preheat_policy_name/preview')
  async preview(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: PreheatPolicyParams): Promise<PreviewAnswer> {
    return this.preheat.preview(principal, project, params.preheat_policy_name);
  }

  @Get('policies/:preheat_policy_name/executions')
  async executions(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Param() params: PreheatPolicyParams,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ExecutionResponse[]> {
    const { items, total } = await this.preheat.listExecutions(principal, project, params.preheat_policy_name, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Get('policies/:preheat_policy_name/executions/:execution_id')
  async execution(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: PreheatExecutionParams): Promise<ExecutionResponse> {
    return this.preheat.getExecution(principal, project, params.preheat_policy_name, params.execution_id);
  }

  @Patch('policies/:preheat_policy_name/executions/:execution_id')
  @HttpCode(200)
  async stop(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: PreheatExecutionParams, @Body() _body: StopPreheatExecutionRequest): Promise<void> {
    await this.preheat.stopExecution(principal, project, params.preheat_policy_name, params.execution_id);
  }

  @Get('policies/:preheat_policy_name/executions/:execution_id/tasks')
  async tasks(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Param() params: PreheatExecutionParams,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaskResponse[]> {
    const { items, total } = await this.preheat.listTasks(principal, project, params.preheat_policy_name, params.execution_id, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Get('policies/:preheat_policy_name/executions/:execution_id/tasks/:task_id/logs')
  @Header('content-type', 'text/plain; charset=utf-8')
  async log(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: PreheatTaskParams): Promise<string> {
    return this.preheat.taskLog(principal, project, params.preheat_policy_name, params.execution_id, params.task_id);
  }
}
