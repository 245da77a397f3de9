import { Injectable } from '@nestjs/common';
import type { SqlExecutor } from '@wharf/db';
import { ApiError } from '../management/api-error';
import { isSysadmin, MemberService, type Principal } from '@wharf/iam';
import { ProjectService, SystemSettingsService, type Project, type ProjectQuery } from '@wharf/projects';
import { RegistryService } from '@wharf/registries';
import { DefaultRetentionPolicy } from '@wharf/retention';
import { checkAllowlist, CveAllowlists } from '@wharf/scanning';
import { auditActorOf } from '../management/audit-actor';
import { parseHarborQuery, type QueryTerm } from '../management/harbor-query';
import { offsetOf } from '../management/pagination';
import { denied, ProjectAuthorizer, requireAuthenticated } from '../management/project-authorizer';
import type { Actor } from '../management/current-actor.decorator';
import type { CreateProjectRequest, ProjectDeletableResponse, ProjectListQuery, ProjectSummaryResponse, ProjectView, UpdateProjectRequest } from './project.dto';
import type { ProjectSelector } from './project-selector.decorator';

/**
 * Who may do what with projects (Harbor's rules): any user creates one and becomes its
 * projectAdmin; proxy-cache projects and quotas other than the default are for system admins;
 * a private project the caller cannot read does not exist for them. ProjectService audits every
 * change in its transaction.
 */
@Injectable()
export class ProjectManagementService {
  constructor(
    private readonly projects: ProjectService,
    private readonly members: MemberService,
    private readonly settings: SystemSettingsService,
    private readonly authorizer: ProjectAuthorizer,
    private readonly registries: RegistryService,
    private readonly defaultRetention: DefaultRetentionPolicy,
    private readonly allowlists: CveAllowlists,
  ) {}

  async create(actor: Actor, request: CreateProjectRequest): Promise<Project> {
    const { principal } = actor;
    requireAuthenticated(principal);
    // a robot would create a project nobody is a member of (robots have no membership)
    if (principal.kind !== 'user') throw new ApiError('FORBIDDEN', 'robot accounts cannot create projects');
    if (!principal.sysadmin && (await this.settings.projectCreationRestriction()) === 'adminonly') {
      throw new ApiError('FORBIDDEN', 'only system administrators may create projects (project_creation_restriction is adminonly)');
    }
    if (request.registry_id != null && !principal.sysadmin) throw denied(principal, 'only a system administrator may create a proxy-cache project');
    if (request.registry_id != null && !(await this.registries.exists(request.registry_id))) {
      throw new ApiError('BAD_REQUEST', `registry ${request.registry_id} does not exist; create the endpoint first (POST /api/v2.0/registries)`);
    }
    if (request.storage_limit != null && !principal.sysadmin && request.storage_limit !== (await this.settings.defaultStorageLimit())) {
      throw denied(principal, 'only a system administrator may set a storage limit other than the default');
    }
    // checked before anything is written
    if (request.cve_allowlist) checkAllowlist(request.cve_allowlist);
    // the system's default retention policy comes with the project (proxy-cache projects have their TTL instead)
    let retentionPolicy: number | null = null;
    const withDefaultRetention = async (tx: SqlExecutor, projectId: number) => {
      if (request.registry_id == null && this.defaultRetention.configured) retentionPolicy = await this.defaultRetention.apply(tx, projectId, auditActorOf(actor));
      if (request.cve_allowlist) await this.allowlists.set(projectId, request.cve_allowlist, undefined, tx);
    };
    const project = await this.projects.create(
      {
        project_name: request.project_name,
        public: request.public,
        metadata: request.metadata,
        storage_limit: request.storage_limit ?? undefined,
        registry_id: request.registry_id ?? null,
      },
      principal.id,
      auditActorOf(actor),
      withDefaultRetention,
    );
    await this.defaultRetention.afterCreate(retentionPolicy);
    return project;
  }

  /** HEAD /projects?project_name=: for logged-in callers (Harbor's UI checks a name before creating). */
  async exists(principal: Principal, name: string): Promise<boolean> {
    requireAuthenticated(principal);
    return this.projects.exists(name);
  }

  /** Public projects and the caller's own (every project for system admins), filtered and paged. */
  async list(principal: Principal, query: ProjectListQuery): Promise<{ items: ProjectView[]; total: number }> {
    const filter: Omit<ProjectQuery, 'visibleIds' | 'offset' | 'limit'> = { name: query.name, public: query.public, owner: query.owner };
    const terms = parseHarborQuery(query.q, ['name', 'public', 'owner']);
    const name = terms.get('name');
    if (name) {
      filter.name = singleValue(name, true);
      filter.exactName = name.kind === 'exact';
    }
    const isPublic = terms.get('public');
    if (isPublic) {
      const value = singleValue(isPublic, false);
      if (value !== 'true' && value !== 'false') throw new ApiError('BAD_REQUEST', 'public must be true or false');
      filter.public = value === 'true';
    }
    const owner = terms.get('owner');
    if (owner) filter.owner = singleValue(owner, false);
    const visibleIds = await this.projects.memberProjectIds(principal);
    const { items, total } = await this.projects.list({ ...filter, visibleIds, sort: query.sort, offset: offsetOf(query), limit: query.page_size });
    return { items: await Promise.all(items.map((project) => this.view(principal, project))), total };
  }

  async get(principal: Principal, selector: ProjectSelector): Promise<ProjectView> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'project:read', selector.isResourceName);
    return this.view(principal, project);
  }

  async update(actor: Actor, selector: ProjectSelector, request: UpdateProjectRequest): Promise<void> {
    const { principal } = actor;
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'project:update', selector.isResourceName);
    if (request.project_name !== undefined && request.project_name !== project.name) throw new ApiError('BAD_REQUEST', 'a project cannot be renamed');
    if (request.registry_id !== undefined && (request.registry_id ?? null) !== project.registry_id) {
      throw new ApiError('BAD_REQUEST', 'the registry of a proxy-cache project cannot be changed');
    }
    if (request.storage_limit != null && !isSysadmin(principal)) {
      const current = (await this.projects.summary(project)).quota.hard.storage;
      if (request.storage_limit !== current) throw denied(principal, 'only a system administrator may change the storage limit of a project');
    }
    if (request.cve_allowlist) checkAllowlist(request.cve_allowlist);
    await this.projects.update(project, { public: request.public, metadata: request.metadata, storage_limit: request.storage_limit ?? undefined }, auditActorOf(actor));
    if (request.cve_allowlist) await this.allowlists.set(project.project_id, request.cve_allowlist, { actor: auditActorOf(actor), resource: `${project.name}:cve_allowlist` });
  }

  /** Only an empty project goes (412 saying why otherwise); its members, robots, robot grants and metadata go with it. */
  async delete(actor: Actor, selector: ProjectSelector): Promise<void> {
    const { project } = await this.authorizer.require(actor.principal, selector.nameOrId, 'project:delete', selector.isResourceName);
    await this.projects.delete(project, auditActorOf(actor));
    // the project's CVE allowlist goes with it (ids are never reused, so a leftover would only be clutter)
    await this.allowlists.deleteOfProject(project.project_id);
  }

  async deletable(principal: Principal, selector: ProjectSelector): Promise<ProjectDeletableResponse> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'project:delete', selector.isResourceName);
    const reason = await this.projects.undeletableReason(project);
    return { deletable: reason === null, message: reason ?? '' };
  }

  /** Member counts for those who may list members, the quota for those who may read it (as Harbor). */
  async summary(principal: Principal, selector: ProjectSelector): Promise<ProjectSummaryResponse> {
    const { project, permissions } = await this.authorizer.require(principal, selector.nameOrId, 'project:read', selector.isResourceName);
    const { quota, repo_count, registry_id, ...counts } = await this.projects.summary(project);
    return {
      repo_count,
      ...(permissions.has('member:list') ? counts : {}),
      ...(permissions.has('quota:read') ? { quota } : {}),
      registry_id,
    };
  }

  private async view(principal: Principal, project: Project): Promise<ProjectView> {
    const cveAllowlist = await this.allowlists.get(project.project_id);
    if (principal.kind !== 'user') return { project, roleIds: [], cveAllowlist };
    const role = await this.members.roleOf(principal.id, project.project_id);
    return { project, roleIds: role === null ? [] : [role], cveAllowlist };
  }
}

/** Exact values only (fuzzy too where allowed): ranges and alternatives mean nothing for these keys. */
function singleValue(term: QueryTerm, fuzzyAllowed: boolean): string {
  if (term.kind === 'exact' || (fuzzyAllowed && term.kind === 'fuzzy')) return term.value;
  throw new ApiError('BAD_REQUEST', `${term.key} takes ${fuzzyAllowed ? 'a value (=) or a substring (=~)' : 'an exact value (=)'}`);
}

