import { Injectable } from '@nestjs/common';
import { SqlClient, escapeLike } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError } from '@wharf/errors';
import type { Label, LabelChange, LabelFilter, LabelledArtifact, NewLabel } from './label';

const COLUMNS = `l.id, l.name, l.description, l.color, l.scope, COALESCE(l.project_id, 0) AS project_id, l.creation_time, l.update_time`;
const UNIQUE_VIOLATION = '23505';
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * Labels and which artifacts carry them. Names are unique per scope and project (409); a
 * deleted label leaves every artifact it was on (the attachments cascade), and so does a
 * deleted artifact. `labelsOf` is what artifact listings use to show and filter by labels.
 */
@Injectable()
export class LabelService {
  constructor(private readonly sql: SqlClient) {}

  async create(input: NewLabel): Promise<Label> {
    const projectId = input.scope === 'p' ? input.projectId : null;
    if (input.scope === 'p' && !projectId) throw new InvalidError('request', 'a project label needs a project_id');
    const rows = await this.unique(input.name, () =>
      this.sql.query<{ id: number }>(`INSERT INTO label (name, description, color, scope, project_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
        input.name, input.description ?? '', input.color ?? '', input.scope, projectId,
      ]),
    );
    return (await this.find(rows[0].id))!;
  }

  async find(id: number): Promise<Label | null> {
    const rows = await this.sql.query<Label>(`SELECT ${COLUMNS} FROM label l WHERE l.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async list(filter: LabelFilter): Promise<{ items: Label[]; total: number }> {
    const where = [`l.scope = $1`];
    const params: unknown[] = [filter.scope];
    if (filter.scope === 'p') {
      params.push(filter.projectId);
      where.push(`l.project_id = $${params.length}`);
    }
    if (filter.name) {
      params.push(`%${escapeLike(filter.name)}%`);
      where.push(`l.name ILIKE $${params.length}`);
    }
    const [{ total }] = await this.sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM label l WHERE ${where.join(' AND ')}`, params);
    const items = await this.sql.query<Label>(
      `SELECT ${COLUMNS} FROM label l WHERE ${where.join(' AND ')} ORDER BY l.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.limit, filter.offset],
    );
    return { items, total };
  }

  async update(id: number, change: LabelChange): Promise<Label> {
    const rows = await this.unique(change.name ?? '', () =>
      this.sql.query<{ id: number }>(
        `UPDATE label SET name = COALESCE($2, name), description = COALESCE($3, description), color = COALESCE($4, color), update_time = now()
          WHERE id = $1 RETURNING id`,
        [id, change.name ?? null, change.description ?? null, change.color ?? null],
      ),
    );
    if (!rows[0]) throw new NotFoundError('label', `label ${id} not found`);
    return (await this.find(id))!;
  }

  /** Deletes the label and takes it off every artifact. */
  async delete(id: number): Promise<void> {
    const rows = await this.sql.query(`DELETE FROM label WHERE id = $1 RETURNING id`, [id]);
    if (rows.length === 0) throw new NotFoundError('label', `label ${id} not found`);
  }

  /** The artifact `reference` (a digest or a tag) names in `repository` (full name); 404 when there is none. */
  async findArtifact(repository: string, reference: string): Promise<LabelledArtifact> {
    const byDigest = DIGEST.test(reference);
    const rows = await this.sql.query<LabelledArtifact>(
      byDigest
        ? `SELECT a.id, a.project_id AS "projectId", a.digest FROM artifact a JOIN repository r ON r.repository_id = a.repository_id WHERE r.name = $1 AND a.digest = $2`
        : `SELECT a.id, a.project_id AS "projectId", a.digest FROM tag t JOIN repository r ON r.repository_id = t.repository_id JOIN artifact a ON a.id = t.artifact_id
            WHERE r.name = $1 AND t.name = $2`,
      [repository, reference],
    );
    if (!rows[0]) throw new NotFoundError('artifact', `artifact ${repository}${byDigest ? '@' : ':'}${reference} not found`);
    return rows[0];
  }

  /** Puts a label on an artifact: a project label only on artifacts of its project; 409 when it is there already. */
  async attach(label: Label, artifact: LabelledArtifact): Promise<void> {
    if (label.scope === 'p' && label.project_id !== artifact.projectId) {
      throw new InvalidError('request', `label ${label.id} belongs to another project; only global labels and the project's own labels go on its artifacts`);
    }
    const rows = await this.sql.query(
      `INSERT INTO artifact_label (label_id, artifact_id) VALUES ($1, $2) ON CONFLICT (artifact_id, label_id) DO NOTHING RETURNING id`,
      [label.id, artifact.id],
    );
    if (rows.length === 0) throw new ConflictError(`label ${label.id} is already on artifact ${artifact.digest}`);
  }

  async detach(labelId: number, artifact: LabelledArtifact): Promise<void> {
    const rows = await this.sql.query(`DELETE FROM artifact_label WHERE label_id = $1 AND artifact_id = $2 RETURNING id`, [labelId, artifact.id]);
    if (rows.length === 0) throw new NotFoundError('label', `label ${labelId} is not on artifact ${artifact.digest}`);
  }

  /** The labels of each artifact (by artifact id, in label id order); artifacts without labels are absent. One query. */
  async labelsOf(artifactIds: readonly number[]): Promise<Map<number, Label[]>> {
    const labels = new Map<number, Label[]>();
    if (artifactIds.length === 0) return labels;
    const rows = await this.sql.query<Label & { artifact_id: number }>(
      `SELECT al.artifact_id, ${COLUMNS} FROM artifact_label al JOIN label l ON l.id = al.label_id
        WHERE al.artifact_id = ANY($1::bigint[]) ORDER BY al.artifact_id, l.id`,
      [artifactIds],
    );
    for (const { artifact_id, ...label } of rows) {
      const list = labels.get(artifact_id) ?? [];
      list.push(label);
      labels.set(artifact_id, list);
    }
    return labels;
  }

  /**
   * SQL condition for `q=label=...` / `with_label` filters: artifact `alias` carries a label with
   * this id ($n holds the id). The artifacts listing appends it to its WHERE.
   */
  static carriesLabelCondition(alias: string, parameter: string): string {
    return `EXISTS (SELECT 1 FROM artifact_label al WHERE al.artifact_id = ${alias}.id AND al.label_id = ${parameter})`;
  }

  private async unique<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`a label named ${name} already exists in this scope`);
      throw error;
    }
  }
}
