import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor } from '@wharf/audit';
import { SqlClient, escapeLike } from '@wharf/db';
import { InvalidError, NotFoundError } from '@wharf/errors';
import { EventOutbox, EventType } from '@wharf/events';
import { QUOTA_LEDGER, type QuotaLedgerPort } from '@wharf/registry-core';
import { removeArtifact } from './artifact-removal';
import { TagWriter } from './commands/tag-writer';
import { ManifestCache } from './manifest-cache';

/** Harbor's Repository, as the management API shows it. */
export interface RepositoryRecord {
  id: number;
  project_id: number;
  /** full name, `<project>/<repository>` */
  name: string;
  description: string;
  artifact_count: number;
  pull_count: number;
  creation_time: Date;
  update_time: Date;
}

export interface RepositoryFilter {
  /** substring (fuzzy) or exact full-name match */
  name?: { value: string; fuzzy: boolean };
  /** `name`, `-creation_time`, ...: a key of SORTABLE, descending with a leading `-` */
  sort?: string;
  offset: number;
  limit: number;
}

const SORTABLE: Record<string, string> = {
  name: 'r.name',
  creation_time: 'r.creation_time',
  update_time: 'r.update_time',
  pull_count: 'r.pull_count',
  artifact_count: 'artifact_count',
};

const SELECT = `SELECT r.repository_id AS id, r.project_id, r.name, COALESCE(r.description, '') AS description,
       (SELECT count(*)::int FROM artifact a WHERE a.repository_id = r.repository_id) AS artifact_count,
       r.pull_count, r.creation_time, r.update_time
  FROM repository r`;

/** Repositories of a project: listing, description, and deleting one with all its artifacts. */
@Injectable()
export class RepositoryService {
  constructor(
    private readonly sql: SqlClient,
    private readonly cache: ManifestCache,
    private readonly tags: TagWriter,
    private readonly outbox: EventOutbox,
    @Inject(QUOTA_LEDGER) private readonly quota: QuotaLedgerPort,
  ) {}

  async list(projectId: number, filter: RepositoryFilter): Promise<{ items: RepositoryRecord[]; total: number }> {
    return this.listIn([projectId], filter);
  }

  /** Repositories of these projects (every project when undefined): Harbor's /repositories and /search. */
  async listIn(projectIds: readonly number[] | undefined, filter: RepositoryFilter): Promise<{ items: RepositoryRecord[]; total: number }> {
    const params: unknown[] = [projectIds ?? null];
    let where = `($1::int[] IS NULL OR r.project_id = ANY($1::int[]))`;
    if (filter.name) {
      params.push(filter.name.fuzzy ? `%${escapeLike(filter.name.value)}%` : filter.name.value);
      where += filter.name.fuzzy ? ` AND r.name ILIKE $${params.length}` : ` AND r.name = $${params.length}`;
    }
    const total = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM repository r WHERE ${where}`, params);
    const items = await this.sql.query<RepositoryRecord>(
      `${SELECT} WHERE ${where} ORDER BY ${orderBy(filter.sort)}, r.repository_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.limit, filter.offset],
    );
    return { items, total: total[0].n };
  }

  /** By full name, inside the project; 404 otherwise. */
  async get(projectId: number, name: string): Promise<RepositoryRecord> {
    const rows = await this.sql.query<RepositoryRecord>(`${SELECT} WHERE r.project_id = $1 AND r.name = $2`, [projectId, name]);
    if (!rows[0]) throw new NotFoundError('repository', `repository ${name} not found`);
    return rows[0];
  }

  /**
   * By full name, inside the project, without its artifact_count (a count of its artifacts, linear
   * in the repository's size: ~50 ms at 100k): what a request about its artifacts needs; 404 otherwise.
   */
  async locate(projectId: number, name: string): Promise<Pick<RepositoryRecord, 'id' | 'project_id' | 'name'>> {
    const rows = await this.sql.query<Pick<RepositoryRecord, 'id' | 'project_id' | 'name'>>(
      `SELECT repository_id AS id, project_id, name FROM repository WHERE project_id = $1 AND name = $2`,
      [projectId, name],
    );
    if (!rows[0]) throw new NotFoundError('repository', `repository ${name} not found`);
    return rows[0];
  }

  /** `actor`: who asked; the audit entry is written in the change's transaction. */
  async updateDescription(projectId: number, name: string, description: string, actor?: AuditActor): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const rows = await tx.query(`UPDATE repository SET description = $3, update_time = now() WHERE project_id = $1 AND name = $2 RETURNING repository_id`, [
        projectId,
        name,
        description,
      ]);
      if (rows.length === 0) throw new NotFoundError('repository', `repository ${name} not found`);
      if (actor) await AuditTrail.write(tx, actor, { projectId, operation: 'update', resourceType: 'repository', resource: name });
    });
  }

  /**
   * Deletes the repository with every artifact and tag in it, in one transaction under the
   * project's row lock (as a manifest DELETE), giving back the quota of blobs no other artifact of
   * the project uses. The bytes stay for GC. `actor`: who asked; the repository's audit entry is
   * written in this transaction (each artifact's comes from its DELETE_ARTIFACT event).
   */
  async delete(projectId: number, name: string, actor?: AuditActor): Promise<{ artifacts: number }> {
    const operator = actor?.username ?? '';
    const deleted = await this.sql.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM project WHERE project_id = $1 FOR UPDATE`, [projectId]);
      const repository = await tx.query<{ id: number }>(`SELECT repository_id AS id FROM repository WHERE project_id = $1 AND name = $2 FOR UPDATE`, [projectId, name]);
      if (!repository[0]) throw new NotFoundError('repository', `repository ${name} not found`);
      const artifacts = await tx.query<{ id: number; digest: string; media_type: string; tags: string[] }>(
        `SELECT a.id, a.digest, a.media_type, ARRAY(SELECT t.name FROM tag t WHERE t.artifact_id = a.id ORDER BY t.name) AS tags
           FROM artifact a WHERE a.repository_id = $1 ORDER BY a.id FOR UPDATE`,
        [repository[0].id],
      );
      // an immutable tag keeps the whole repository (Harbor answers 412)
      await this.tags.refuseRemoval(name, artifacts.flatMap((a) => a.tags), 'management');
      // index -> child links within the repository go first: a child may not go while referenced
      await tx.query(`DELETE FROM artifact_reference WHERE parent_id IN (SELECT id FROM artifact WHERE repository_id = $1)`, [repository[0].id]);
      for (const artifact of artifacts) await removeArtifact(tx, this.quota, projectId, artifact.id, artifact.digest);
      await tx.query(`DELETE FROM repository WHERE repository_id = $1`, [repository[0].id]);
      // no repository event type: webhooks see one artifact delete per artifact
      await this.outbox.write(
        tx,
        artifacts.map((a) => ({ type: EventType.DeleteArtifact, data: { repository: name, digest: a.digest, tags: a.tags, mediaType: a.media_type, operator } })),
      );
      if (actor) await AuditTrail.write(tx, actor, { projectId, operation: 'delete', resourceType: 'repository', resource: name });
      return artifacts.length;
    });
    await this.cache.invalidate(name);
    return { artifacts: deleted };
  }
}

function orderBy(sort: string | undefined): string {
  if (!sort) return 'r.creation_time DESC';
  const keys = sort
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean)
    .map((key) => {
      const descending = key.startsWith('-');
      const column = SORTABLE[descending ? key.slice(1) : key];
      if (!column) throw new InvalidError('request', `cannot sort by "${key}"; sortable: ${Object.keys(SORTABLE).join(', ')}`);
      return `${column} ${descending ? 'DESC' : 'ASC'}`;
    })
    .join(', ');
  return keys || 'r.creation_time DESC';
}
