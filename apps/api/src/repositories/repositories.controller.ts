import { Body, Delete, Get, HttpCode, Param, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { setPageHeaders } from '../management/pagination';
import { RepositoryListQuery, toRepositoryResponse, UpdateRepositoryRequest, type RepositoryResponse } from './repository.dto';
import { RepositoryManagementService } from './repository-management.service';

/** Harbor's /api/v2.0/projects/{project_name}/repositories; the repository name is URL-encoded twice (`a%252Fb`). */
@ManagementController('projects/:project_name/repositories')
export class RepositoriesController {
  constructor(private readonly repositories: RepositoryManagementService) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name') project: string,
    @Query() query: RepositoryListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RepositoryResponse[]> {
    const { items, total } = await this.repositories.list(principal, project, query);
    setPageHeaders(request, reply, query, total);
    return items.map(toRepositoryResponse);
  }

  @Get(':repository_name')
  async get(@CurrentPrincipal() principal: Principal, @Param('project_name') project: string, @Param('repository_name') repository: string): Promise<RepositoryResponse> {
    return toRepositoryResponse(await this.repositories.get(principal, project, repository));
  }

  @Put(':repository_name')
  @HttpCode(200)
  async update(
    @CurrentActor() actor: Actor,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Body() body: UpdateRepositoryRequest,
  ): Promise<void> {
    await this.repositories.update(actor, project, repository, body);
  }

  @Delete(':repository_name')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param('project_name') project: string, @Param('repository_name') repository: string): Promise<void> {
    await this.repositories.delete(actor, project, repository);
  }
}
