import { Injectable } from '@nestjs/common';
import { RepositoryService, type RepositoryRecord } from '@wharf/artifacts';
import { ApiError } from '../management/api-error';
import type { Principal } from '@wharf/iam';
import { auditActorOf } from '../management/audit-actor';
import type { Actor } from '../management/current-actor.decorator';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf } from '../management/pagination';
import { ProjectAuthorizer } from '../management/project-authorizer';
import { fullRepositoryName } from './repository-path';
import type { RepositoryListQuery, UpdateRepositoryRequest } from './repository.dto';

/** Who may list, read, describe and delete repositories (Harbor's repository:* permissions); changes are audited in their transaction. */
@Injectable()
export class RepositoryManagementService {
  constructor(
    private readonly repositories: RepositoryService,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  async list(principal: Principal, projectName: string, query: RepositoryListQuery): Promise<{ items: RepositoryRecord[]; total: number }> {
    const { project } = await this.authorizer.require(principal, projectName, 'repository:list', true);
    const name = parseHarborQuery(query.q, ['name']).get('name');
    if (name && name.kind !== 'exact' && name.kind !== 'fuzzy') throw new ApiError('BAD_REQUEST', 'name takes a value (=) or a substring (=~)');
    // an exact name may be given with or without the project prefix
    const value = name && name.kind === 'exact' && !name.value.startsWith(`${project.name}/`) ? `${project.name}/${name.value}` : name?.value;
    return this.repositories.list(project.project_id, {
      name: name && value !== undefined ? { value, fuzzy: name.kind === 'fuzzy' } : undefined,
      sort: query.sort,
      offset: offsetOf(query),
      limit: query.page_size,
    });
  }

  async get(principal: Principal, projectName: string, repository: string): Promise<RepositoryRecord> {
    const { project } = await this.authorizer.require(principal, projectName, 'repository:read', true);
    return this.repositories.get(project.project_id, fullRepositoryName(project.name, repository));
  }

  async update(actor: Actor, projectName: string, repository: string, request: UpdateRepositoryRequest): Promise<void> {
    const { project } = await this.authorizer.require(actor.principal, projectName, 'repository:update', true);
    const name = fullRepositoryName(project.name, repository);
    await this.repositories.updateDescription(project.project_id, name, request.description, auditActorOf(actor));
  }

  async delete(actor: Actor, projectName: string, repository: string): Promise<void> {
    const { project } = await this.authorizer.require(actor.principal, projectName, 'repository:delete', true);
    const name = fullRepositoryName(project.name, repository);
    await this.repositories.delete(project.project_id, name, auditActorOf(actor));
  }
}
