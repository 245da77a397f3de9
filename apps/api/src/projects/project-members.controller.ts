import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { setPageHeaders } from '../management/pagination';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CreateMemberRequest, MemberListQuery, MemberParams, RoleRequest, type MemberResponse } from './member.dto';
import { MemberManagementService } from './member-management.service';
import { SelectedProject, type ProjectSelector } from './project-selector.decorator';

/** Harbor's /api/v2.0/projects/{project_name_or_id}/members: users' roles in the project. */
@ManagementController('projects/:project_name_or_id/members')
export class ProjectMembersController {
  constructor(private readonly members: MemberManagementService) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Query() query: MemberListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MemberResponse[]> {
    const { items, total } = await this.members.list(principal, project, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Post()
  async add(
    @CurrentActor() actor: Actor,
    @SelectedProject() project: ProjectSelector,
    @Body() body: CreateMemberRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const member = await this.members.add(actor, project, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${member.id}`);
  }

  @Get(':mid')
  async get(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: MemberParams): Promise<MemberResponse> {
    return this.members.get(principal, project, params.mid);
  }

  @Put(':mid')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @SelectedProject() project: ProjectSelector, @Param() params: MemberParams, @Body() body: RoleRequest): Promise<void> {
    await this.members.updateRole(actor, project, params.mid, body.role_id);
  }

  @Delete(':mid')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @SelectedProject() project: ProjectSelector, @Param() params: MemberParams): Promise<void> {
    await this.members.remove(actor, project, params.mid);
  }
}
