import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@wharf/errors';
import { ApiError } from '../management/api-error';
import type { Permission, Principal } from '@wharf/iam';
import { LabelService, type Label, type LabelledArtifact } from '@wharf/labels';
import { offsetOf } from '../management/pagination';
import { ProjectAuthorizer, requireAuthenticated, requireSysadmin } from '../management/project-authorizer';
import type { ProjectSelector } from '../projects/project-selector.decorator';
import type { CreateLabelRequest, LabelListQuery, UpdateLabelRequest } from './label.dto';

type LabelAction = 'read' | 'list' | 'create' | 'update' | 'delete';

/**
 * /labels and /projects/{p}/repositories/{r}/artifacts/{ref}/labels. Global labels: any
 * signed-in user reads them, only system admins change them. Project labels follow the
 * project's `label:*` permissions (maintainers and project admins change them); a caller
 * with no access to a private project learns nothing about its labels (404).
 */
@Injectable()
export class LabelManagementService {
  constructor(
    private readonly labels: LabelService,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  async list(principal: Principal, query: LabelListQuery): Promise<{ items: Label[]; total: number }> {
    if (query.scope === 'p' && query.project_id === undefined) throw new ApiError('BAD_REQUEST', 'listing project labels needs a project_id');
    await this.authorize(principal, query.scope, query.project_id, 'list');
    return this.labels.list({ scope: query.scope, projectId: query.project_id, name: query.name, offset: offsetOf(query), limit: query.page_size });
  }

  async create(principal: Principal, body: CreateLabelRequest): Promise<Label> {
    if (body.scope === 'p' && !body.project_id) throw new ApiError('BAD_REQUEST', 'a project label needs a project_id');
    await this.authorize(principal, body.scope, body.project_id, 'create');
    return this.labels.create({ name: body.name, description: body.description, color: body.color, scope: body.scope, projectId: body.project_id });
  }

  async get(principal: Principal, id: number): Promise<Label> {
    return this.authorized(principal, id, 'read');
  }

  async update(principal: Principal, id: number, body: UpdateLabelRequest): Promise<void> {
    const label = await this.authorized(principal, id, 'update');
    if (body.scope !== undefined && body.scope !== label.scope) throw new ApiError('BAD_REQUEST', 'the scope of a label cannot change');
    if (body.project_id !== undefined && body.project_id !== label.project_id) throw new ApiError('BAD_REQUEST', 'the project of a label cannot change');
    await this.labels.update(id, { name: body.name, description: body.description, color: body.color });
  }

  async delete(principal: Principal, id: number): Promise<void> {
    await this.authorized(principal, id, 'delete');
    await this.labels.delete(id);
  }

  async attach(principal: Principal, selector: ProjectSelector, repository: string, reference: string, labelId: number): Promise<void> {
    const artifact = await this.artifact(principal, selector, repository, reference, 'artifact-label:create');
    const label = await this.labels.find(labelId);
    if (!label || (label.scope === 'p' && label.project_id !== artifact.projectId && !(await this.mayRead(principal, label)))) {
      throw new ApiError('NOT_FOUND', `label ${labelId} not found`);
    }
    await this.labels.attach(label, artifact);
  }

  async detach(principal: Principal, selector: ProjectSelector, repository: string, reference: string, labelId: number): Promise<void> {
    const artifact = await this.artifact(principal, selector, repository, reference, 'artifact-label:delete');
    await this.labels.detach(labelId, artifact);
  }

  /** The artifact, once the caller may do `wanted` in its project; the repository comes URL-encoded (twice on the wire, once left here). */
  private async artifact(principal: Principal, selector: ProjectSelector, repository: string, reference: string, wanted: Permission): Promise<LabelledArtifact> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, wanted, selector.isResourceName);
    let path: string;
    try {
      path = decodeURIComponent(repository);
    } catch {
      throw new ApiError('BAD_REQUEST', `malformed repository name ${repository}`);
    }
    return this.labels.findArtifact(`${project.name}/${path}`, reference);
  }

  private async authorized(principal: Principal, id: number, action: LabelAction): Promise<Label> {
    const label = await this.labels.find(id);
    if (!label) throw new ApiError('NOT_FOUND', `label ${id} not found`);
    try {
      await this.authorize(principal, label.scope, label.project_id, action);
    } catch (error) {
      // a project the caller cannot see hides its labels too
      if ((error instanceof ApiError && error.code === 'NOT_FOUND') || error instanceof NotFoundError) throw new ApiError('NOT_FOUND', `label ${id} not found`);
      throw error;
    }
    return label;
  }

  private async mayRead(principal: Principal, label: Label): Promise<boolean> {
    try {
      await this.authorize(principal, label.scope, label.project_id, 'read');
      return true;
    } catch {
      return false;
    }
  }

  private async authorize(principal: Principal, scope: 'g' | 'p', projectId: number | undefined, action: LabelAction): Promise<void> {
    if (scope === 'g') {
      if (action === 'read' || action === 'list') requireAuthenticated(principal);
      else requireSysadmin(principal);
      return;
    }
    await this.authorizer.require(principal, String(projectId), `label:${action}`);
  }
}
