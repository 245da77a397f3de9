import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import { toProjectResponse } from '../projects/project.dto';
import { toRepositoryResponse, type RepositoryResponse } from '../repositories/repository.dto';
import {
  AllRepositoriesQuery,
  PermissionsQuery,
  ProjectParams,
  ProjectRobotParams,
  QuotaIdParams,
  QuotaListQuery,
  QuotaUpdateRequest,
  RobotV1CreateRequest,
  RobotV1UpdateRequest,
  SearchQuery,
  type GrantablePermissionsResponse,
  type PermissionResponse,
  type QuotaResponse,
  type RobotV1Response,
  type SearchResponse,
} from './harbor-compat.dto';
import { HarborCompatService } from './harbor-compat.service';
import { ProjectRobotsV1Service } from './project-robots-v1.service';

/** Harbor v2.0 paths its clients call that are views of what Wharf keeps: quotas, permissions, search, /repositories. */
@ManagementController()
export class HarborCompatController {
  constructor(private readonly compat: HarborCompatService) {}

  @Get('quotas')
  async quotas(
    @CurrentPrincipal() principal: Principal,
    @Query() query: QuotaListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<QuotaResponse[]> {
    const { items, total } = await this.compat.quotas(principal, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Get('quotas/:id')
  async quota(@CurrentPrincipal() principal: Principal, @Param() params: QuotaIdParams): Promise<QuotaResponse> {
    return this.compat.quota(principal, params.id);
  }

  @Put('quotas/:id')
  @HttpCode(200)
  async updateQuota(@CurrentActor() actor: Actor, @Param() params: QuotaIdParams, @Body() body: QuotaUpdateRequest): Promise<void> {
    await this.compat.updateQuota(actor, params.id, body.hard.storage);
  }

  @Get('users/current/permissions')
  async permissions(@CurrentPrincipal() principal: Principal, @Query() query: PermissionsQuery): Promise<PermissionResponse[]> {
    return this.compat.permissions(principal, query);
  }

  /** Harbor 2.2's /permissions: what a robot may be granted (harbor-cli lists it to build a robot); Wharf's robots hold project permissions only. */
  @Get('permissions')
  async grantable(@CurrentPrincipal() principal: Principal): Promise<GrantablePermissionsResponse> {
    return this.compat.grantablePermissions(principal);
  }

  @Get('search')
  async search(@CurrentPrincipal() principal: Principal, @Query() query: SearchQuery): Promise<SearchResponse> {
    const { project, repository } = await this.compat.search(principal, query.q);
    return { project: project.map((p) => toProjectResponse({ project: p, roleIds: [] })), repository };
  }

  @Get('repositories')
  async repositories(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AllRepositoriesQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RepositoryResponse[]> {
    const { items, total } = await this.compat.allRepositories(principal, query);
    setPageHeaders(request, reply, query, total);
    return items.map(toRepositoryResponse);
  }
}

/** Harbor 2.0's /projects/{project_name_or_id}/robots (robot v1), over Wharf's project robots. */
@ManagementController('projects/:project_name_or_id/robots')
export class ProjectRobotsV1Controller {
  constructor(private readonly robots: ProjectRobotsV1Service) {}

  @Post()
  async create(
    @CurrentActor() actor: Actor,
    @Param() params: ProjectParams,
    @Body() body: RobotV1CreateRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ id: number; name: string; token: string; secret: string; creation_time: Date; expires_at: number }> {
    const { robot, secret } = await this.robots.create(actor, params.project_name_or_id, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${robot.id}`);
    // Harbor 2.0 answered {name, token}; later versions {id, name, secret, ...}: both are given
    return { id: robot.id, name: robot.name, token: secret, secret, creation_time: robot.creation_time, expires_at: robot.expires_at };
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param() params: ProjectParams,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RobotV1Response[]> {
    const { items, total } = await this.robots.list(principal, params.project_name_or_id, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Get(':robot_id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: ProjectRobotParams): Promise<RobotV1Response> {
    return this.robots.get(principal, params.project_name_or_id, params.robot_id);
  }

  @Put(':robot_id')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @Param() params: ProjectRobotParams, @Body() body: RobotV1UpdateRequest): Promise<void> {
    await this.robots.setDisabled(actor, params.project_name_or_id, params.robot_id, body.disabled);
  }

  @Delete(':robot_id')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param() params: ProjectRobotParams): Promise<void> {
    await this.robots.delete(actor, params.project_name_or_id, params.robot_id);
  }
}
