import { Body, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import { ArtifactListQuery, ArtifactReadQuery, CopyArtifactQuery, CreateTagRequest, type ArtifactResponse, type TagResponse } from './artifact.dto';
import { ArtifactManagementService, type ArtifactPath } from './artifact-management.service';

/**
 * Harbor's /api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts: list, read,
 * delete and copy artifacts; their tags. The repository name is URL-encoded twice (`a%252Fb`).
 */
@ManagementController('projects/:project_name/repositories/:repository_name/artifacts')
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactManagementService) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Query() query: ArtifactListQuery,
    @Headers('x-accept-vulnerabilities') acceptVulnerabilities: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ArtifactResponse[]> {
    const { items, total } = await this.artifacts.list(principal, path(project, repository), query, acceptVulnerabilities);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  /** Copies `from` (`<project>/<repository>@<digest>` or `...:<tag>`) into this repository; no bytes move. */
  @Post()
  async copy(
    @CurrentActor() actor: Actor,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Query() query: CopyArtifactQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const digest = await this.artifacts.copy(actor, path(project, repository), query.from);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${digest}`);
  }

  @Get(':reference')
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Param('reference') reference: string,
    @Query() query: ArtifactReadQuery,
    @Headers('x-accept-vulnerabilities') acceptVulnerabilities: string | undefined,
  ): Promise<ArtifactResponse> {
    return this.artifacts.get(principal, path(project, repository), reference, query, acceptVulnerabilities);
  }

  /** Harbor's vulnerabilities addition: `{<report mime type>: <report>}` as `X-Accept-Vulnerabilities` asks; `{}` before a report. */
  @Get(':reference/additions/vulnerabilities')
  async vulnerabilities(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Param('reference') reference: string,
    @Headers('x-accept-vulnerabilities') acceptVulnerabilities: string | undefined,
  ): Promise<Record<string, unknown>> {
    return this.artifacts.vulnerabilities(principal, path(project, repository), reference, acceptVulnerabilities);
  }

  /** Harbor's additions: build_history (images), readme.md, values.yaml, dependencies (charts), readme, license, files (models). */
  @Get(':reference/additions/:addition')
  async addition(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Param('reference') reference: string,
    @Param('addition') addition: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const found = await this.artifacts.addition(principal, path(project, repository), reference, addition);
    void reply.header('content-type', found.contentType);
    return found.body;
  }

  /** Tags go with it, and so do its accessories (signatures, SBOMs); an index child still referenced or an immutable tag: 412. */
  @Delete(':reference')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param('project_name') project: string, @Param('repository_name') repository: string, @Param('reference') reference: string): Promise<void> {
    await this.artifacts.delete(actor, path(project, repository), reference);
  }

  @Get(':reference/tags')
  async listTags(
    @CurrentPrincipal() principal: Principal,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Param('reference') reference: string,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TagResponse[]> {
    const { items, total } = await this.artifacts.listTags(principal, path(project, repository), reference, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Post(':reference/tags')
  async createTag(
    @CurrentActor() actor: Actor,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Param('reference') reference: string,
    @Body() body: CreateTagRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.artifacts.createTag(actor, path(project, repository), reference, body.name);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${body.name}`);
  }

  @Delete(':reference/tags/:tag_name')
  @HttpCode(200)
  async deleteTag(
    @CurrentActor() actor: Actor,
    @Param('project_name') project: string,
    @Param('repository_name') repository: string,
    @Param('reference') reference: string,
    @Param('tag_name') tag: string,
  ): Promise<void> {
    await this.artifacts.deleteTag(actor, path(project, repository), reference, tag);
  }
}

const path = (project: string, repository: string): ArtifactPath => ({ project, repository });
