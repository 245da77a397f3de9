import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import { SelectedProject, type ProjectSelector } from '../projects/project-selector.decorator';
import { ImmutableRuleParams, ImmutableRuleRequest, type ImmutableRuleResponse } from './immutable-rule.dto';
import { ImmutableRuleManagementService } from './immutable-rule-management.service';

/** Harbor's /api/v2.0/projects/{project_name_or_id}/immutabletagrules. */
@ManagementController('projects/:project_name_or_id/immutabletagrules')
export class ImmutableRulesController {
  constructor(private readonly rules: ImmutableRuleManagementService) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImmutableRuleResponse[]> {
    const { items, total } = await this.rules.list(principal, project, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Post()
  async create(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Body() body: ImmutableRuleRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const { projectId, rule } = await this.rules.create(principal, project, body);
    void reply.header('location', `/api/v2.0/projects/${projectId}/immutabletagrules/${rule.id}`);
  }

  @Put(':immutable_rule_id')
  @HttpCode(200)
  async update(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: ImmutableRuleParams, @Body() body: ImmutableRuleRequest): Promise<void> {
    await this.rules.update(principal, project, params.immutable_rule_id, body);
  }

  @Delete(':immutable_rule_id')
  @HttpCode(200)
  async delete(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: ImmutableRuleParams): Promise<void> {
    await this.rules.delete(principal, project, params.immutable_rule_id);
  }
}
