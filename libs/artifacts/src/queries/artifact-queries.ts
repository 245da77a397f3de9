import { Injectable } from '@nestjs/common';
import { SqlClient, escapeLike, type SqlExecutor } from '@wharf/db';
import { InvalidError, NotFoundError } from '@wharf/errors';
import { LabelService } from '@wharf/labels';
import { isDigest, isValidTag } from '@wharf/registry-core';
import { UNTAGGED_ARTIFACT, artifactClosure } from '../artifact-closure';
import { accessoryKind, isSignature, type AccessoryKindName } from '../artifact-type';

export interface ArtifactRecord {
  id: number;
  type: string;
  /** the manifest's media type */
  manifest_media_type: string;
  config_media_type: string | null;
  artifact_type: string | null;
  project_id: number;
  repository_id: number;
  repository_name: string;
  digest: string;
  size: number;
  push_time: Date;
  pull_time: Date | null;
  annotations: Record<string, string> | null;
  subject_digest: string | null;
}

export interface TagRecord {
  id: number;
  repository_id: number;
  artifact_id: number;
  name: string;
  push_time: Date;
  pull_time: Date | null;
}

export interface ReferenceRecord {
  parent_id: number;
  child_id: number;
  child_digest: string;
  platform: Record<string, unknown> | null;
  annotations: Record<string, string> | null;
  urls: string[] | null;
}

export interface AccessoryRecord {
  id: number;
  artifact_id: number;
  subject_artifact_id: number;
  subject_artifact_digest: string;
  size: number;
  digest: string;
  type: AccessoryKindName;
  creation_time: Date;
}

/** Filters of an artifact listing (Harbor's `q` keys, already validated). */
export interface ArtifactFilter {
  /** 'untagged': no tag (and named by no index); 'tagged': any tag */
  tags?: { value: string; fuzzy: boolean } | 'untagged' | 'tagged';
  type?: string;
  digest?: string;
  mediaType?: string;
  pushTime?: { from?: Date; to?: Date };
  pullTime?: { from?: Date; to?: Date };
  /** label ids the artifact must all carry */
  labels?: number[];
  offset: number;
  limit: number;
}

/** An artifact as replication chooses it: a top-level artifact with its tags and label names. */
export interface ReplicationCandidate {
  id: number;
  repository_name: string;
  digest: string;
  type: string;
  media_type: string;
  tags: string[];
  labels: string[];
}

// accessories go with their subject, untagged index children with their index: neither is chosen on its own
const REPLICATION_CANDIDATE = `SELECT a.id, a.repository_name, a.digest, a.type, a.media_type,
       COALESCE((SELECT array_agg(t.name ORDER BY t.name) FROM tag t WHERE t.artifact_id = a.id), '{}') AS tags,
       COALESCE((SELECT array_agg(DISTINCT l.name) FROM artifact_label al JOIN label l ON l.id = al.label_id WHERE al.artifact_id = a.id), '{}') AS labels
  FROM artifact a
 WHERE NOT EXISTS (SELECT 1 FROM artifact s WHERE a.subject_digest IS NOT NULL AND s.repository_id = a.repository_id AND s.digest = a.subject_digest)
   AND (EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id) OR NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id))`;

/**
 * X-Total-Count of an unfiltered listing in O(1) (a lateral part of `list`'s statement, `repo`
 * its repository): the repository's count of listed artifacts,
 * kept by triggers on artifact, tag and artifact_reference in the transaction of every write
 * (migration 1765320000000-artifact-listed-count), summed over its few slots. Counting the
 * repository's index range instead cost ~200 ms at 100k artifacts.
 */
const LISTED_COUNT = `SELECT COALESCE(sum(c.listed), 0)::int AS n FROM artifact_listed_count c WHERE c.repository_id = repo.repository_id`;

/**
 * The accessories of the subjects $1 (ids): ACCESSORY_OF (artifact-closure.ts) written as two
 * index lookups per subject instead of one condition over every artifact of the repository (the
 * OR in ACCESSORY_OF cannot use an index: at 100k artifacts a page of 15 subjects probed 1.5M
 * tags): artifacts whose `subject` is the subject's digest (artifact_subject_idx), and
 * subject-less ones tagged `sha256-<hex>.sig|.att|.sbom` in the repository (cosign's tag
 * convention, found by tag name through tag's (repository_id, name) key).
 */
const ACCESSORIES_OF_SUBJECTS = `WITH s AS (SELECT id, repository_id, digest FROM artifact WHERE id = ANY($1::bigint[])),
  accessory AS (
    SELECT a.id AS accessory_id, s.id AS subject_id FROM s JOIN artifact a ON a.repository_id = s.repository_id AND a.subject_digest = s.digest
    UNION
    SELECT tagged.id, s.id FROM s CROSS JOIN LATERAL (
      SELECT a.id FROM tag tt JOIN artifact a ON a.id = tt.artifact_id
       WHERE tt.repository_id = s.repository_id
         AND tt.name = ANY(ARRAY['sha256-' || substr(s.digest, 8) || '.sig', 'sha256-' || substr(s.digest, 8) || '.att', 'sha256-' || substr(s.digest, 8) || '.sbom'])
         AND a.repository_id = s.repository_id AND a.subject_digest IS NULL
      OFFSET 0 -- keeps the subquery per subject (a lookup in tag's key), not flattened into a join the planner may hash over the repository's tags
    ) tagged
     WHERE s.digest LIKE 'sha256:%'
  )
  SELECT a.id, a.digest, a.size, a.push_time, a.artifact_type, a.config_media_type, s.id AS subject_id, s.digest AS subject_digest,
         COALESCE((SELECT array_agg(t.name) FROM tag t WHERE t.artifact_id = a.id), '{}') AS tags
    FROM accessory x JOIN artifact a ON a.id = x.accessory_id JOIN s ON s.id = x.subject_id
   ORDER BY a.push_time, a.id`;

/** An artifact delete_untagged may remove (see UNTAGGED_ARTIFACT). */
export interface UntaggedArtifact {
  id: number;
  repository: string;
  digest: string;
}

const SELECT = `SELECT a.id, a.type, a.media_type AS manifest_media_type, a.config_media_type, a.artifact_type, a.project_id,
       a.repository_id, a.repository_name, a.digest, a.size, a.push_time, a.pull_time, a.annotations, a.subject_digest
  FROM artifact a`;

/**
 * Artifacts as the management API (and the jobs) read them: listing with Harbor's filters, one
 * by digest or tag, with their tags, index references and accessories (signatures, SBOMs...:
 * artifacts of the same repository whose `subject` is this one). Reads only: every change is a
 * command (`commands/`).
 */
@Injectable()
export class ArtifactQueries {
  constructor(private readonly sql: SqlClient) {}

  /**
   * A page of the repository's listing and its total, with the repository found by name, in one
   * statement (one round trip where locating, counting and paging took two after one another).
   * 404 when the project has no such repository.
   */
  async list(repository: { projectId: number; name: string }, filter: ArtifactFilter): Promise<{ repositoryId: number; items: ArtifactRecord[]; total: number }> {
    const params: unknown[] = [repository.projectId, repository.name];
    const where = ['a.repository_id = repo.repository_id'];
    const add = (value: unknown) => `$${params.push(value)}`;
    // as Harbor: an untagged manifest an index names is not listed on its own (the index's references show it).
    // Written as one anti-join, not "tagged OR not named": inside an OR, Postgres hashes the whole tag table
    // for the EXISTS (100k rows for a page of 15 at 100k artifacts) instead of probing the page's rows.
    where.push(`NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = ar.child_id))`);
    if (filter.tags === 'untagged') where.push(`NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id)`);
    else if (filter.tags === 'tagged') where.push(`EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id)`);
    else if (filter.tags?.fuzzy) where.push(`EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id AND t.name ILIKE ${add(`%${escapeLike(filter.tags.value)}%`)})`);
    else if (filter.tags) where.push(`EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id AND t.name = ${add(filter.tags.value)})`);
    if (filter.type) where.push(`a.type = ${add(filter.type.toUpperCase())}`);
    if (filter.digest) where.push(`a.digest = ${add(filter.digest)}`);
    if (filter.mediaType) where.push(`COALESCE(a.config_media_type, a.media_type) = ${add(filter.mediaType)}`);
    for (const label of filter.labels ?? []) where.push(LabelService.carriesLabelCondition('a', add(label)));
    for (const [column, range] of [['a.push_time', filter.pushTime], ['a.pull_time', filter.pullTime]] as const) {
      if (range?.from) where.push(`${column} >= ${add(range.from)}`);
      if (range?.to) where.push(`${column} <= ${add(range.to)}`);
    }
    const unfiltered = where.length === 2; // only the repository and the listing's own condition
    const condition = where.join(' AND ');
    // the page walks artifact_repository_push_idx in its order and stops after offset + limit rows;
    // a page past the end is one row of nulls beside the total
    const rows = await this.sql.query<ArtifactRecord & { listed_repository_id: number; listed_total: number }>(
      `WITH repo AS (SELECT repository_id FROM repository WHERE project_id = $1 AND name = $2)
       SELECT repo.repository_id AS listed_repository_id, total.n AS listed_total, page.*
         FROM repo
        CROSS JOIN LATERAL (${unfiltered ? LISTED_COUNT : `SELECT count(*)::int AS n FROM artifact a WHERE ${condition}`}) total
         LEFT JOIN LATERAL (${SELECT} WHERE ${condition} ORDER BY a.push_time DESC, a.id DESC LIMIT ${add(filter.limit)} OFFSET ${add(filter.offset)}) page ON true`,
      params,
    );
    if (!rows[0]) throw new NotFoundError('repository', `repository ${repository.name} not found`);
    const items = rows.filter((row) => row.id !== null).map(({ listed_repository_id: _repository, listed_total: _total, ...item }) => item);
    return { repositoryId: rows[0].listed_repository_id, items, total: rows[0].listed_total };
  }

  /** By digest or tag, in the repository; 404 otherwise. */
  async get(repositoryId: number, reference: string): Promise<ArtifactRecord> {
    const found = await this.find(this.sql, repositoryId, reference);
    if (!found) throw new NotFoundError('artifact', `artifact ${reference} not found`);
    return found;
  }

  /** By digest or tag, locked as `lock` says (inside the caller's transaction); undefined when absent. */
  async find(db: SqlExecutor, repositoryId: number, reference: string, lock = ''): Promise<ArtifactRecord | undefined> {
    const byDigest = isDigest(reference);
    if (!byDigest && !isValidTag(reference)) throw new InvalidError('request', `"${reference}" is neither a digest nor a tag`);
    const rows = await db.query<ArtifactRecord>(
      byDigest
        ? `${SELECT} WHERE a.repository_id = $1 AND a.digest = $2 ${lock}`
        : `${SELECT} JOIN tag t ON t.artifact_id = a.id WHERE t.repository_id = $1 AND t.name = $2 ${lock}`,
      [repositoryId, reference],
    );
    return rows[0];
  }

  async tagsOf(artifactIds: number[], page?: { offset: number; limit: number }): Promise<Map<number, TagRecord[]>> {
    const result = new Map<number, TagRecord[]>(artifactIds.map((id) => [id, []]));
    if (artifactIds.length === 0) return result;
    const rows = await this.sql.query<TagRecord>(
      `SELECT id, repository_id, artifact_id, name, push_time, pull_time FROM tag
        WHERE artifact_id = ANY($1::bigint[]) ORDER BY push_time DESC, id DESC ${page ? 'LIMIT $2 OFFSET $3' : ''}`,
      page ? [artifactIds, page.limit, page.offset] : [artifactIds],
    );
    for (const row of rows) result.get(row.artifact_id)?.push(row);
    return result;
  }

  /** One page of every repository's top-level artifacts, by id (replication's push-based listing). */
  async replicationCandidates(afterId: number, limit: number): Promise<ReplicationCandidate[]> {
    return this.sql.query<ReplicationCandidate>(`${REPLICATION_CANDIDATE} AND a.id > $1 ORDER BY a.id LIMIT $2`, [afterId, limit]);
  }

  /** One artifact by repository and digest, as replication chooses it; undefined when gone or not top-level. */
  async replicationCandidate(db: SqlExecutor, repository: string, digest: string): Promise<ReplicationCandidate | undefined> {
    return (await db.query<ReplicationCandidate>(`${REPLICATION_CANDIDATE} AND a.repository_name = $1 AND a.digest = $2`, [repository, digest]))[0];
  }

  async countTags(artifactId: number): Promise<number> {
    return (await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM tag WHERE artifact_id = $1`, [artifactId]))[0].n;
  }

  /** What each index names: its children with their platforms, as the index descriptor said. */
  async referencesOf(parentIds: number[]): Promise<Map<number, ReferenceRecord[]>> {
    const result = new Map<number, ReferenceRecord[]>(parentIds.map((id) => [id, []]));
    if (parentIds.length === 0) return result;
    const rows = await this.sql.query<ReferenceRecord>(
      `SELECT parent_id, child_id, child_digest, platform, annotations, NULL AS urls
         FROM artifact_reference WHERE parent_id = ANY($1::bigint[]) ORDER BY id`,
      [parentIds],
    );
    for (const row of rows) result.get(row.parent_id)?.push(row);
    return result;
  }

  /** The accessories of these artifacts (same repository, `subject` = their digest), by subject id. */
  async accessoriesOf(subjects: ArtifactRecord[]): Promise<Map<number, AccessoryRecord[]>> {
    const result = new Map<number, AccessoryRecord[]>(subjects.map((s) => [s.id, []]));
    if (subjects.length === 0) return result;
    const rows = await this.sql.query<{ id: number; digest: string; size: number; push_time: Date; artifact_type: string | null; config_media_type: string | null; subject_id: number; subject_digest: string; tags: string[] }>(
      ACCESSORIES_OF_SUBJECTS,
      [subjects.map((s) => s.id)],
    );
    for (const row of rows) {
      result.get(row.subject_id)?.push({
        id: row.id,
        artifact_id: row.id,
        subject_artifact_id: row.subject_id,
        subject_artifact_digest: row.subject_digest,
        size: row.size,
        digest: row.digest,
        type: accessoryKind({ artifactType: row.artifact_type, configMediaType: row.config_media_type, tags: row.tags }),
        creation_time: row.push_time,
      });
    }
    return result;
  }

  /** Ids of the artifacts among these that carry a signature accessory (their tags show `signed`). */
  async signedIds(subjects: ArtifactRecord[]): Promise<Set<number>> {
    const accessories = await this.accessoriesOf(subjects);
    return new Set([...accessories].filter(([, list]) => list.some((a) => isSignature(a.type))).map(([id]) => id));
  }

  /** Ids of what a deep delete of the artifact would remove with it (itself, its accessories, its children nothing else keeps): a dry run's count. */
  async deepDeleteMembers(artifact: { id: number; digest: string }): Promise<number[]> {
    return [...(await artifactClosure(this.sql, artifact, 'unkept')).keys()];
  }

  /**
   * delete_untagged's candidates: artifacts no tag points to and no index names, pushed before
   * `pushedBefore`, a page in id order after `afterId`. Each deletion re-checks under its lock.
   */
  async untaggedPage(pushedBefore: Date, afterId: number, limit: number): Promise<UntaggedArtifact[]> {
    return this.sql.query<UntaggedArtifact>(
      `SELECT a.id, a.repository_name AS repository, a.digest FROM artifact a
        WHERE a.id > $1 AND a.push_time < $2 AND ${UNTAGGED_ARTIFACT}
        ORDER BY a.id LIMIT $3`,
      [afterId, pushedBefore, limit],
    );
  }
}
