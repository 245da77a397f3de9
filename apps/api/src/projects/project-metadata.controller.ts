import { Body, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { MetadataParams } from './project-metadata.dto';
import { ProjectMetadataManagementService } from './project-metadata-management.service';
import { SelectedProject, type ProjectSelector } from './project-selector.decorator';

/** Harbor's /api/v2.0/projects/{project_name_or_id}/metadatas: the project's settings as a string map. */
@ManagementController('projects/:project_name_or_id/metadatas')
export class ProjectMetadataController {
  constructor(private readonly metadata: ProjectMetadataManagementService) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector): Promise<Record<string, string>> {
    return this.metadata.list(principal, project);
  }

  /** Body: {"<key>": "<value>", ...}; keys and values are checked by the service (a map has no DTO class). */
  @Post()
  @HttpCode(200)
  async add(@CurrentActor() actor: Actor, @SelectedProject() project: ProjectSelector, @Body() body: Record<string, unknown>): Promise<void> {
    await this.metadata.add(actor, project, body);
  }

  @Get(':meta_name')
  async get(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: MetadataParams): Promise<Record<string, string>> {
    return this.metadata.get(principal, project, params.meta_name);
  }

  @Put(':meta_name')
  @HttpCode(200)
  async update(
    @CurrentActor() actor: Actor,
    @SelectedProject() project: ProjectSelector,
    @Param() params: MetadataParams,
    @Body() body: Record<string, unknown>,
  ): Promise<void> {
    await this.metadata.update(actor, project, params.meta_name, body);
  }

  @Delete(':meta_name')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @SelectedProject() project: ProjectSelector, @Param() params: MetadataParams): Promise<void> {
    await this.metadata.delete(actor, project, params.meta_name);
  }
}
