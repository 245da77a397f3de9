import { Injectable } from '@nestjs/common';
import { RepositoryService, type RepositoryRecord } from '@wharf/artifacts';
import { SqlClient } from '@wharf/db';
import { isSysadmin, ProjectAccess, RESOURCE_ACTIONS, type Principal } from '@wharf/iam';
import { ProjectService, type Project } from '@wharf/projects';
import { ApiError } from '../management/api-error';
import { auditActorOf } from '../management/audit-actor';
import type { Actor } from '../management/current-actor.decorator';
import { harborOrderBy } from '../management/harbor-sort';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf } from '../management/pagination';
import { requireAuthenticated, requireSysadmin } from '../management/project-authorizer';
import type { AllRepositoriesQuery, PermissionsQuery, QuotaListQuery, QuotaResponse } from './harbor-compat.dto';

const QUOTA_SORTABLE = {
  id: 'p.project_id',
  creation_time: 'p.creation_time',
  update_time: 'p.update_time',
  'hard.storage': 'p.storage_limit',
  'used.storage': 'p.storage_used',
};

const QUOTA_SELECT = `SELECT p.project_id AS id, p.name, COALESCE(u.username, '') AS owner_name, p.creation_time, p.update_time,
       p.storage_limit::text AS storage_limit, p.storage_used::text AS storage_used
  FROM project p LEFT JOIN harbor_user u ON u.user_id = p.owner_id`;

interface QuotaRow {
  id: number;
  name: string;
  owner_name: string;
  creation_time: Date;
  update_time: Date;
  storage_limit: string;
  storage_used: string;
}

/**
 * Harbor paths that are other views of what Wharf already keeps: quotas (one per project, its
 * id the project's), the caller's permissions, search, every repository the caller may list.
 */
@Injectable()
export class HarborCompatService {
  constructor(
    private readonly sql: SqlClient,
    private readonly projects: ProjectService,
    private readonly access: ProjectAccess,
    private readonly repositories: RepositoryService,
  ) {}

  /** Harbor: system admins only (quota:list is a system permission). */
  async quotas(principal: Principal, query: QuotaListQuery): Promise<{ items: QuotaResponse[]; total: number }> {
    requireSysadmin(principal);
    const params: unknown[] = [];
    let where = 'true';
    if (query.reference_id !== undefined && query.reference_id !== '') {
      // Harbor's reference_id is the project id; a name is taken too
      params.push(query.reference_id);
      where = /^\d{1,9}$/.test(query.reference_id) ? `p.project_id = $1::int` : `p.name = $1`;
    }
    const order = harborOrderBy(query.sort, QUOTA_SORTABLE, 'p.project_id ASC');
    const [{ n }] = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM project p WHERE ${where}`, params);
    const rows = await this.sql.query<QuotaRow>(`${QUOTA_SELECT} WHERE ${where} ORDER BY ${order}, p.project_id LIMIT ${query.page_size} OFFSET ${offsetOf(query)}`, params);
    return { items: rows.map(toQuota), total: n };
  }

  async quota(principal: Principal, id: number): Promise<QuotaResponse> {
    requireSysadmin(principal);
    const rows = await this.sql.query<QuotaRow>(`${QUOTA_SELECT} WHERE p.project_id = $1`, [id]);
    if (!rows[0]) throw new ApiError('NOT_FOUND', `quota ${id} not found`);
    return toQuota(rows[0]);
  }

  /** A new hard limit, as PUT /projects/{p} with storage_limit (audited as a project update). */
  async updateQuota(actor: Actor, id: number, storage: number): Promise<void> {
    requireSysadmin(actor.principal);
    if (!Number.isSafeInteger(storage) || storage < -1 || storage === 0) throw new ApiError('BAD_REQUEST', 'hard.storage must be a positive number of bytes, or -1 for unlimited');
    const project = await this.projects.get(String(id));
    if (!project) throw new ApiError('NOT_FOUND', `quota ${id} not found`);
    await this.projects.update(project, { storage_limit: storage }, auditActorOf(actor));
  }

  /**
   * Harbor's /users/current/permissions: what the caller may do in a scope (`/project/{id or
   * name}`; `/system` lists nothing but for system admins, who may do everything), each resource
   * relative (`repository`) or absolute (`/project/1/repository`).
   */
  async permissions(principal: Principal, query: PermissionsQuery): Promise<{ resource: string; action: string }[]> {
    requireAuthenticated(principal);
    const scope = (query.scope ?? '').replace(/\/$/, '');
    const relative = query.relative === 'true';
    if (scope === '' || scope === '/system') {
      if (!isSysadmin(principal)) return [];
      return Object.entries(RESOURCE_ACTIONS).flatMap(([resource, actions]) => actions.map((action) => ({ resource: relative ? resource : `/system/${resource}`, action })));
    }
    const match = /^\/project\/([^/]+)$/.exec(scope);
    if (!match) throw new ApiError('BAD_REQUEST', `scope must be /system or /project/{id or name}, not "${scope}"`);
    const project = await this.projects.get(match[1]);
    const permissions = await this.access.permissions(principal, project && ProjectService.accessView(project));
    return [...permissions].sort().map((permission) => {
      const [resource, action] = permission.split(':');
      return { resource: relative ? resource : `${scope}/${resource}`, action };
    });
  }

  async grantablePermissions(principal: Principal): Promise<{ system: { resource: string; action: string }[]; project: { resource: string; action: string }[] }> {
    requireAuthenticated(principal);
    const project = Object.entries(RESOURCE_ACTIONS).flatMap(([resource, actions]) => actions.map((action) => ({ resource, action })));
    return { system: [], project };
  }

  /** Harbor's /search: projects and repositories whose name contains q, among those the caller may see. */
  async search(principal: Principal, q: string): Promise<{ project: Project[]; repository: SearchRepository[] }> {
    const visibleIds = await this.projects.memberProjectIds(principal);
    const projects = q === '' ? { items: [] } : await this.projects.list({ name: q, visibleIds, offset: 0, limit: 100 });
    const projectIds = await this.listableProjectIds(principal);
    const repositories = q === '' ? { items: [] } : await this.repositories.listIn(projectIds, { name: { value: q, fuzzy: true }, sort: 'name', offset: 0, limit: 100 });
    const byId = new Map<number, { name: string; public: boolean }>();
    for (const id of new Set(repositories.items.map((r) => r.project_id))) {
      const project = await this.projects.get(String(id));
      if (project) byId.set(id, { name: project.name, public: project.metadata.public === 'true' });
    }
    return {
      project: projects.items,
      repository: repositories.items.map((r) => ({
        project_id: r.project_id,
        project_name: byId.get(r.project_id)?.name ?? '',
        project_public: byId.get(r.project_id)?.public ?? false,
        repository_name: r.name,
        pull_count: r.pull_count,
        artifact_count: r.artifact_count,
      })),
    };
  }

  /** Harbor's GET /repositories: every repository for system admins; others, those of the projects they may list repositories of. */
  async allRepositories(principal: Principal, query: AllRepositoriesQuery): Promise<{ items: RepositoryRecord[]; total: number }> {
    const name = parseHarborQuery(query.q, ['name']).get('name');
    if (name && name.kind !== 'exact' && name.kind !== 'fuzzy') throw new ApiError('BAD_REQUEST', 'name takes a value (=) or a substring (=~)');
    const projectIds = await this.listableProjectIds(principal);
    return this.repositories.listIn(projectIds, {
      name: name ? { value: name.value, fuzzy: name.kind === 'fuzzy' } : undefined,
      sort: query.sort,
      offset: offsetOf(query),
      limit: query.page_size,
    });
  }

  /** Public projects and those where the caller holds repository:list; undefined: every project. */
  private async listableProjectIds(principal: Principal): Promise<number[] | undefined> {
    const member = await this.projects.memberProjectIds(principal);
    if (member === undefined) return undefined;
    const rows = await this.sql.query<{ project_id: number }>(`SELECT project_id FROM project_metadata WHERE name = 'public' AND value = 'true'`);
    const ids = new Set(rows.map((r) => r.project_id));
    for (const id of member) {
      const project = await this.projects.get(String(id));
      if (project && (await this.access.permissions(principal, ProjectService.accessView(project))).has('repository:list')) ids.add(id);
    }
    return [...ids];
  }
}

export interface SearchRepository {
  project_id: number;
  project_name: string;
  project_public: boolean;
  repository_name: string;
  pull_count: number;
  artifact_count: number;
}

function toQuota(row: QuotaRow): QuotaResponse {
  return {
    id: row.id,
    ref: { id: row.id, name: row.name, owner_name: row.owner_name },
    creation_time: row.creation_time,
    update_time: row.update_time,
    hard: { storage: Number(row.storage_limit) },
    used: { storage: Number(row.storage_used) },
  };
}
