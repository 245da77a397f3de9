import { Body, Delete, HttpCode, Param, Post } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { SelectedProject, type ProjectSelector } from '../projects/project-selector.decorator';
import { ArtifactLabelDetachParams, ArtifactLabelParams, AttachLabelRequest } from './label.dto';
import { LabelManagementService } from './label-management.service';

/** Harbor's .../repositories/{repository_name}/artifacts/{reference}/labels: labels on an artifact (repository name URL-encoded twice). */
@ManagementController('projects/:project_name_or_id/repositories/:repository_name/artifacts/:reference/labels')
export class ArtifactLabelsController {
  constructor(private readonly labels: LabelManagementService) {}

  @Post()
  @HttpCode(200)
  async attach(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Param() params: ArtifactLabelParams,
    @Body() body: AttachLabelRequest,
  ): Promise<void> {
    await this.labels.attach(principal, project, params.repository_name, params.reference, body.id);
  }

  @Delete(':label_id')
  @HttpCode(200)
  async detach(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector, @Param() params: ArtifactLabelDetachParams): Promise<void> {
    await this.labels.detach(principal, project, params.repository_name, params.reference, params.label_id);
  }
}
