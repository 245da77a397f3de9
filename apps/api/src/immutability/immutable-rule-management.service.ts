import { Injectable } from '@nestjs/common';
import { ImmutableRuleService, type ImmutableRule } from '@wharf/immutability';
import type { Principal } from '@wharf/iam';
import { offsetOf, type PageQuery } from '../management/pagination';
import { ProjectAuthorizer } from '../management/project-authorizer';
import type { ProjectSelector } from '../projects/project-selector.decorator';
import type { ImmutableRuleRequest } from './immutable-rule.dto';

/** /projects/{p}/immutabletagrules: project admins manage them; maintainers may list them (as in Harbor). */
@Injectable()
export class ImmutableRuleManagementService {
  constructor(
    private readonly rules: ImmutableRuleService,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  async list(principal: Principal, selector: ProjectSelector, query: PageQuery): Promise<{ items: ImmutableRule[]; total: number }> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'immutable-tag:list', selector.isResourceName);
    return this.rules.list(project.project_id, { offset: offsetOf(query), limit: query.page_size });
  }

  async create(principal: Principal, selector: ProjectSelector, body: ImmutableRuleRequest): Promise<{ projectId: number; rule: ImmutableRule }> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'immutable-tag:create', selector.isResourceName);
    return { projectId: project.project_id, rule: await this.rules.create(project.project_id, body) };
  }

  async update(principal: Principal, selector: ProjectSelector, id: number, body: ImmutableRuleRequest): Promise<void> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'immutable-tag:update', selector.isResourceName);
    await this.rules.update(project.project_id, id, body);
  }

  async delete(principal: Principal, selector: ProjectSelector, id: number): Promise<void> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'immutable-tag:delete', selector.isResourceName);
    await this.rules.delete(project.project_id, id);
  }
}
