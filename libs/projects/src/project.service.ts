import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { SqlClient, escapeLike, type SqlExecutor } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError, PreconditionError } from '@wharf/errors';
import { MemberService, ProjectRole, ROLE_PERMISSIONS, RevocationEpochs, accessPermissions, type AccessProject, type Permission, type Principal } from '@wharf/iam';
import { checkMetadata } from './project-metadata';
import { checkProjectName } from './project-name';
import { SystemSettingsService } from './system-settings.service';

export interface Project {
  project_id: number;
  name: string;
  owner_id: number | null;
  owner_name: string;
  registry_id: number | null;
  creation_time: Date;
  update_time: Date;
  deleted: boolean;
  repo_count: number;
  metadata: Record<string, string>;
}

export interface NewProject {
  project_name: string;
  public?: boolean;
  metadata?: Record<string, unknown>;
  /** bytes, -1 unlimited; the system default when absent */
  storage_limit?: number;
  registry_id?: number | null;
}

export interface ProjectChanges {
  public?: boolean;
  metadata?: Record<string, unknown>;
  storage_limit?: number;
}

export interface ProjectQuery {
  name?: string;
  /** exact name match (q=name=foo) instead of substring */
  exactName?: boolean;
  public?: boolean;
  owner?: string;
  /** undefined: every project (system admin); else the ids the caller is a member of, plus public ones */
  visibleIds?: number[];
  /** Harbor's `sort`: `name`, `-creation_time,name`, ... (keys of PROJECT_SORTABLE, `-` descending); by name when absent */
  sort?: string;
  offset: number;
  limit: number;
}

const PROJECT_SORTABLE: Record<string, string> = {
  name: 'p.name',
  project_id: 'p.project_id',
  creation_time: 'p.creation_time',
  update_time: 'p.update_time',
};

function projectOrderBy(sort: string | undefined): string {
  const keys = (sort ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean)
    .map((key) => {
      const descending = key.startsWith('-');
      const column = PROJECT_SORTABLE[descending ? key.slice(1) : key];
      if (!column) throw new InvalidError('request', `cannot sort by "${key}"; sortable: ${Object.keys(PROJECT_SORTABLE).join(', ')}`);
      return `${column} ${descending ? 'DESC' : 'ASC'}`;
    });
  return keys.length > 0 ? `${keys.join(', ')}, p.project_id` : 'p.name';
}

export interface ProjectSummary {
  repo_count: number;
  project_admin_count: number;
  maintainer_count: number;
  developer_count: number;
  guest_count: number;
  limited_guest_count: number;
  quota: { hard: { storage: number }; used: { storage: number } };
  registry_id: number | null;
}

const SELECT = `SELECT p.project_id, p.name, p.owner_id, COALESCE(u.username, '') AS owner_name, p.registry_id, p.creation_time, p.update_time, false AS deleted,
    (SELECT count(*)::int FROM repository r WHERE r.project_id = p.project_id) AS repo_count,
    COALESCE((SELECT json_object_agg(m.name, m.value) FROM project_metadata m WHERE m.project_id = p.project_id), '{}'::json) AS metadata
  FROM project p LEFT JOIN harbor_user u ON u.user_id = p.owner_id`;

/**
 * Projects: the namespaces repositories live in, with their metadata and storage quota. A change
 * made with an `actor` writes its audit entries in its own transaction.
 */
@Injectable()
export class ProjectService {
  constructor(
    private readonly sql: SqlClient,
    private readonly settings: SystemSettingsService,
    private readonly members: MemberService,
    private readonly revocations: RevocationEpochs,
  ) {}

  /**
   * The projects a caller may see besides public ones: undefined for system administrators
   * (everything); a user's memberships; the projects a robot holds any grant in.
   */
  async memberProjectIds(principal: Principal): Promise<number[] | undefined> {
    return this.projectIdsWhere(principal, () => true);
  }

  /**
   * Ids of every project the caller may pull from (public ones included); undefined for
   * everything. Holding some other right in a project (a robot with repository:list) is not enough.
   */
  async pullableProjectIds(principal: Principal): Promise<number[] | undefined> {
    const own = await this.projectIdsWhere(principal, (permissions) => permissions.includes('repository:pull'));
    if (own === undefined) return undefined;
    const rows = await this.sql.query<{ project_id: number }>(`SELECT project_id FROM project_metadata WHERE name = 'public' AND value = 'true'`);
    return [...new Set([...own, ...rows.map((r) => r.project_id)])];
  }

  /** The projects whose granted permissions (a role's, a robot grant's) pass `wanted`; undefined: every project. */
  private async projectIdsWhere(principal: Principal, wanted: (permissions: readonly Permission[]) => boolean): Promise<number[] | undefined> {
    if (principal.kind === 'user') {
      if (principal.sysadmin) return undefined;
      const memberships = await this.members.membershipsOf(principal.id);
      return memberships.filter((m) => wanted([...ROLE_PERMISSIONS[m.role]])).map((m) => m.projectId);
    }
    if (principal.kind === 'robot') {
      // a project's rights are the union of the grants naming it; '*' (system robots) names them all
      const everywhere = principal.level === 'system' ? principal.grants.filter((grant) => grant.projectId === null).flatMap((grant) => accessPermissions(grant.access)) : [];
      if (everywhere.length > 0 && wanted(everywhere)) return undefined;
      const byProject = new Map<number, Permission[]>();
      for (const grant of principal.grants) {
        if (grant.projectId === null || (principal.level === 'project' && grant.projectId !== principal.projectId)) continue;
        byProject.set(grant.projectId, [...(byProject.get(grant.projectId) ?? everywhere), ...accessPermissions(grant.access)]);
      }
      return [...byProject].filter(([, permissions]) => wanted(permissions)).map(([id]) => id);
    }
    return [];
  }

  /** `isResourceName`: the X-Is-Resource-Name header, for names that look like ids. */
  async get(nameOrId: string, isResourceName = false): Promise<Project | null> {
    const byId = !isResourceName && /^\d{1,9}$/.test(nameOrId);
    const rows = await this.sql.query<Project>(`${SELECT} WHERE ${byId ? 'p.project_id = $1::int' : 'p.name = $1'}`, [nameOrId]);
    return rows[0] ?? null;
  }

  static accessView(project: Project): AccessProject {
    return { id: project.project_id, name: project.name, public: project.metadata.public === 'true' };
  }

  async exists(name: string): Promise<boolean> {
    const rows = await this.sql.query(`SELECT 1 FROM project WHERE name = $1`, [name]);
    return rows.length > 0;
  }

  async list(query: ProjectQuery): Promise<{ items: Project[]; total: number }> {
    // LIKE either way: the wildcards in a name are escaped so they match only themselves
    const escaped = query.name === undefined ? undefined : escapeLike(query.name);
    const pattern = escaped === undefined ? null : query.exactName ? escaped : `%${escaped}%`;
    const isPublic = `EXISTS (SELECT 1 FROM project_metadata pm WHERE pm.project_id = p.project_id AND pm.name = 'public' AND pm.value = 'true')`;
    const where = `WHERE ($1::varchar IS NULL OR p.name LIKE $1)
        AND ($2::boolean IS NULL OR ${isPublic} = $2)
        AND ($3::varchar IS NULL OR u.username = $3)
        AND ($4::int[] IS NULL OR p.project_id = ANY($4) OR ${isPublic})`;
    const params = [pattern, query.public ?? null, query.owner ?? null, query.visibleIds ?? null];
    const [rows, count] = await Promise.all([
      this.sql.query<Project>(`${SELECT} ${where} ORDER BY ${projectOrderBy(query.sort)} LIMIT $5 OFFSET $6`, [...params, query.limit, query.offset]),
      this.sql.query<{ n: number }>(`SELECT count(*) AS n FROM project p LEFT JOIN harbor_user u ON u.user_id = p.owner_id ${where}`, params),
    ]);
    return { items: rows, total: count[0].n };
  }

  /** Creates the project with its creator as projectAdmin (when a user), in one transaction. */
  /**
   * `inTransaction`: what the caller adds to the project in its create transaction (the system's
   * default retention policy): if it fails, the project is not created.
   */
  async create(input: NewProject, ownerUserId: number | null, actor?: AuditActor, inTransaction?: (tx: SqlExecutor, projectId: number) => Promise<void>): Promise<Project> {
    checkProjectName(input.project_name);
    const metadata = checkMetadata({ ...(input.metadata ?? {}), ...(input.public !== undefined ? { public: input.public } : {}) });
    metadata.public ??= 'false';
    const limit = input.storage_limit ?? (await this.settings.defaultStorageLimit());
    checkStorageLimit(limit);
    const id = await this.sql.transaction(async (tx) => {
      let projectId: number;
      try {
        const rows = await tx.query<{ project_id: number }>(
          `INSERT INTO project (name, owner_id, registry_id, storage_limit) VALUES ($1, $2, $3, $4) RETURNING project_id`,
          [input.project_name, ownerUserId, input.registry_id ?? null, limit],
        );
        projectId = rows[0].project_id;
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw new ConflictError(`project ${input.project_name} already exists`);
        throw error;
      }
      await this.writeMetadata(tx, projectId, metadata);
      if (ownerUserId !== null) {
        await tx.query(`INSERT INTO project_member (project_id, entity_id, entity_type, role) VALUES ($1, $2, 'u', $3)`, [projectId, ownerUserId, ProjectRole.ProjectAdmin]);
      }
      await audit(tx, actor, 'create', projectId, 'project', input.project_name);
      await inTransaction?.(tx, projectId);
      return projectId;
    });
    return (await this.get(String(id)))!;
  }

  async update(project: Project, changes: ProjectChanges, actor?: AuditActor): Promise<void> {
    const metadata = checkMetadata({ ...(changes.metadata ?? {}), ...(changes.public !== undefined ? { public: changes.public } : {}) });
    if (changes.storage_limit !== undefined) checkStorageLimit(changes.storage_limit);
    const write = () =>
      this.sql.transaction(async (tx) => {
        await this.writeMetadata(tx, project.project_id, metadata);
        await tx.query(
          `UPDATE project SET storage_limit = COALESCE($2, storage_limit), update_time = now() WHERE project_id = $1`,
          [project.project_id, changes.storage_limit ?? null],
        );
        await audit(tx, actor, 'update', project.project_id, 'project', project.name);
      });
    await this.writingMetadata(project, metadata, write);
  }

  /** Why the project cannot be deleted, or null when it can (it must hold no repositories). */
  async undeletableReason(project: Project): Promise<string | null> {
    const rows = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM repository WHERE project_id = $1`, [project.project_id]);
    if (rows[0].n > 0) return `the project contains ${rows[0].n} repositories; delete them first`;
    return null;
  }

  /** Tokens issued for its repositories stop working with it: the name may be taken again, by anyone. */
  async delete(project: Project, actor?: AuditActor): Promise<void> {
    await this.revocations.revokingProjectAccess(project.name, () => this.deleteRows(project, actor));
  }

  private async deleteRows(project: Project, actor: AuditActor | undefined): Promise<void> {
    await this.sql.transaction(async (tx) => {
      // the lock makes the emptiness check and the delete one step against concurrent pushes
      await tx.query(`SELECT 1 FROM project WHERE project_id = $1 FOR UPDATE`, [project.project_id]);
      const repos = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM repository WHERE project_id = $1`, [project.project_id]);
      if (repos[0].n > 0) throw new PreconditionError('not-empty', `project ${project.name} contains ${repos[0].n} repositories; delete them first`);
      await tx.query(`DELETE FROM upload_session WHERE project_id = $1`, [project.project_id]);
      await tx.query(`DELETE FROM project WHERE project_id = $1`, [project.project_id]);
      // the entry keeps the id of the project it was about (audit_log has no foreign key to project)
      await audit(tx, actor, 'delete', project.project_id, 'project', project.name);
    });
  }

  async summary(project: Project): Promise<ProjectSummary> {
    const rows = await this.sql.query<Omit<ProjectSummary, 'quota' | 'registry_id'> & { storage_limit: number; storage_used: number }>(
      `SELECT (SELECT count(*)::int FROM repository r WHERE r.project_id = p.project_id) AS repo_count,
              count(*) FILTER (WHERE m.role = 1)::int AS project_admin_count,
              count(*) FILTER (WHERE m.role = 4)::int AS maintainer_count,
              count(*) FILTER (WHERE m.role = 2)::int AS developer_count,
              count(*) FILTER (WHERE m.role = 3)::int AS guest_count,
              count(*) FILTER (WHERE m.role = 5)::int AS limited_guest_count,
              p.storage_limit, p.storage_used
         FROM project p LEFT JOIN project_member m ON m.project_id = p.project_id
        WHERE p.project_id = $1 GROUP BY p.project_id`,
      [project.project_id],
    );
    const { storage_limit, storage_used, ...counts } = rows[0];
    return { ...counts, quota: { hard: { storage: storage_limit }, used: { storage: storage_used } }, registry_id: project.registry_id };
  }

  /**
   * Adds or replaces the keys given; returns them as stored. Audited (one entry per key) as
   * `operation`: Harbor's POST /metadatas is a create, PUT /metadatas/{key} an update.
   */
  async setMetadata(project: Project, input: Record<string, unknown>, audited?: { actor: AuditActor; operation: 'create' | 'update' }): Promise<Record<string, string>> {
    const metadata = checkMetadata(input);
    const write = () =>
      this.sql.transaction(async (tx) => {
        await this.writeMetadata(tx, project.project_id, metadata);
        for (const key of Object.keys(metadata)) await audit(tx, audited?.actor, audited?.operation ?? 'update', project.project_id, 'metadata', `${project.name}:${key}`);
      });
    await this.writingMetadata(project, metadata, write);
    return metadata;
  }

  /**
   * Runs a write of the project's metadata: replicas forget the settings they remembered (pull
   * policies), and when it stops being public, the tokens handed out while it was (anonymous ones
   * included) stop carrying pull on its repositories.
   */
  private async writingMetadata(project: Project, metadata: Record<string, string>, write: () => Promise<unknown>): Promise<void> {
    const change = () => this.revocations.changingProjectSettings(project.name, write);
    if (project.metadata.public === 'true' && metadata.public === 'false') await this.revocations.revokingProjectAccess(project.name, change);
    else await change();
  }

  async deleteMetadata(project: Project, key: string, actor?: AuditActor): Promise<void> {
    if (key === 'public') throw new InvalidError('request', 'the "public" metadata cannot be deleted; set it to "false" instead');
    await this.revocations.changingProjectSettings(project.name, () => this.sql.transaction(async (tx) => {
      const rows = await tx.query(`DELETE FROM project_metadata WHERE project_id = $1 AND name = $2 RETURNING id`, [project.project_id, key]);
      if (rows.length === 0) throw new NotFoundError('metadata', `metadata "${key}" not found`);
      await audit(tx, actor, 'delete', project.project_id, 'metadata', `${project.name}:${key}`);
    }));
  }

  /**
   * Sets (a string) or removes (null) one metadata key inside the caller's transaction, unchecked
   * and unaudited: for values the system derives, such as `retention_id` when a policy is created
   * or deleted (the policy's own change is audited by its owner).
   */
  async setDerivedMetadata(tx: SqlExecutor, projectId: number, key: string, value: string | null): Promise<void> {
    if (value === null) await tx.query(`DELETE FROM project_metadata WHERE project_id = $1 AND name = $2`, [projectId, key]);
    else await this.writeMetadata(tx, projectId, { [key]: value });
  }

  private async writeMetadata(tx: SqlExecutor, projectId: number, metadata: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(metadata)) {
      await tx.query(
        `INSERT INTO project_metadata (project_id, name, value) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, name) DO UPDATE SET value = EXCLUDED.value, update_time = now()`,
        [projectId, name, value],
      );
    }
  }
}

async function audit(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, projectId: number, resourceType: 'project' | 'metadata', resource: string): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId, operation, resourceType, resource });
}

function checkStorageLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < -1 || limit === 0) {
    throw new InvalidError('request', 'storage_limit must be a positive number of bytes, or -1 for unlimited');
  }
}
