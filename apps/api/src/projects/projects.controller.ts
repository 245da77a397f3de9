import { Body, Delete, Get, Head, HttpCode, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiError } from '../management/api-error';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { setPageHeaders } from '../management/pagination';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import {
  CreateProjectRequest,
  ProjectExistsQuery,
  ProjectListQuery,
  toProjectResponse,
  UpdateProjectRequest,
  type ProjectDeletableResponse,
  type ProjectResponse,
  type ProjectSummaryResponse,
} from './project.dto';
import { ProjectManagementService } from './project-management.service';
import { SelectedProject, type ProjectSelector } from './project-selector.decorator';

/** Harbor's /api/v2.0/projects: create, list, read, update and delete projects; summary and deletability. */
@ManagementController('projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectManagementService) {}

  @Post()
  async create(@CurrentActor() actor: Actor, @Body() body: CreateProjectRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const project = await this.projects.create(actor, body);
    void reply.header('location', `/api/v2.0/projects/${project.project_id}`);
  }

  /** 200 when a project of that name exists, 404 otherwise. */
  @Head()
  async exists(@CurrentPrincipal() principal: Principal, @Query() query: ProjectExistsQuery): Promise<void> {
    if (!(await this.projects.exists(principal, query.project_name))) throw new ApiError('NOT_FOUND', `project ${query.project_name} not found`);
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ProjectListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProjectResponse[]> {
    const { items, total } = await this.projects.list(principal, query);
    setPageHeaders(request, reply, query, total);
    return items.map(toProjectResponse);
  }

  @Get(':project_name_or_id')
  async get(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector): Promise<ProjectResponse> {
    return toProjectResponse(await this.projects.get(principal, project));
  }

  @Put(':project_name_or_id')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @SelectedProject() project: ProjectSelector, @Body() body: UpdateProjectRequest): Promise<void> {
    await this.projects.update(actor, project, body);
  }

  @Delete(':project_name_or_id')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @SelectedProject() project: ProjectSelector): Promise<void> {
    await this.projects.delete(actor, project);
  }

  @Get(':project_name_or_id/_deletable')
  async deletable(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector): Promise<ProjectDeletableResponse> {
    return this.projects.deletable(principal, project);
  }

  @Get(':project_name_or_id/summary')
  async summary(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector): Promise<ProjectSummaryResponse> {
    return this.projects.summary(principal, project);
  }
}
