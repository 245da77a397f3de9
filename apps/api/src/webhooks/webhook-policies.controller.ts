import { Body, Delete, Get, Header, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { ExecutionResponse, TaskResponse } from '../management/execution.dto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import { SelectedProject, type ProjectSelector } from '../projects/project-selector.decorator';
import { WebhookExecutionParams, WebhookPolicyParams, WebhookPolicyRequest, WebhookTaskParams, WebhookTestRequest, type WebhookPolicyResponse } from './webhook-policy.dto';
import { WebhookManagementService } from './webhook-management.service';

/** Harbor's /api/v2.0/projects/{project_name_or_id}/webhook: policies, their deliveries, the event types. */
@ManagementController('projects/:project_name_or_id/webhook')
export class WebhookPoliciesController {
  constructor(private readonly webhooks: WebhookManagementService) {}

  @Get('policies')
  async list(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookPolicyResponse[]> {
    const { items, total } = await this.webhooks.list(principal, project, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Post('policies')
  async create(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Body() body: WebhookPolicyRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const policy = await this.webhooks.create(principal, project, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${policy.id}`);
  }

  @Get('events')
  async events(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector): Promise<unknown> {
    return this.webhooks.eventTypes(principal, project);
  }

  @Get('lasttrigger')
  async lastTriggers(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector): Promise<unknown[]> {
    return this.webhooks.lastTriggers(principal, project);
  }

  /** Sends a test event to each target; 200 when every target answered 2xx, else 400 naming each failure. */
  @Post('policies/test')
  @HttpCode(200)
  async test(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Body() body: WebhookTestRequest): Promise<void> {
    await this.webhooks.test(principal, project, body);
  }

  /** Delivers an execution's event again (a new MANUAL execution); 201 with its Location. */
  @Post('policies/:webhook_policy_id/executions/:execution_id/retry')
  async retry(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Param() params: WebhookExecutionParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const executionId = await this.webhooks.redeliver(principal, project, params.webhook_policy_id, params.execution_id);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/executions\/[^/]+\/retry\/?$/, '')}/executions/${executionId}`);
  }

  @Get('policies/:webhook_policy_id')
  async get(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: WebhookPolicyParams): Promise<WebhookPolicyResponse> {
    return this.webhooks.get(principal, project, params.webhook_policy_id);
  }

  @Put('policies/:webhook_policy_id')
  @HttpCode(200)
  async update(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: WebhookPolicyParams, @Body() body: WebhookPolicyRequest): Promise<void> {
    await this.webhooks.update(principal, project, params.webhook_policy_id, body);
  }

  @Delete('policies/:webhook_policy_id')
  @HttpCode(200)
  async delete(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: WebhookPolicyParams): Promise<void> {
    await this.webhooks.delete(principal, project, params.webhook_policy_id);
  }

  @Get('policies/:webhook_policy_id/executions')
  async executions(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Param() params: WebhookPolicyParams,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ExecutionResponse[]> {
    const { items, total } = await this.webhooks.listExecutions(principal, project, params.webhook_policy_id, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Get('policies/:webhook_policy_id/executions/:execution_id/tasks')
  async tasks(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: WebhookExecutionParams): Promise<TaskResponse[]> {
    return this.webhooks.listTasks(principal, project, params.webhook_policy_id, params.execution_id);
  }

  @Get('policies/:webhook_policy_id/executions/:execution_id/tasks/:task_id/log')
  @Header('content-type', 'text/plain; charset=utf-8')
  async log(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: WebhookTaskParams): Promise<string> {
    return this.webhooks.taskLog(principal, project, params.webhook_policy_id, params.execution_id, params.task_id);
  }
}
