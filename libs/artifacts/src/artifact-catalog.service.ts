import { Inject, Injectable } from '@nestjs/common';
import { SqlClient, escapeLike, type SqlExecutor } from '@wharf/db';
import { ConflictError, DeniedError, InvalidError, NotFoundError, PreconditionError } from '@wharf/errors';
import { EventOutbox, EventType, type NewEvent } from '@wharf/events';
import { ImmutableTagGuard } from '@wharf/immutability';
import { LabelService } from '@wharf/labels';
import { BlobStore, QUOTA_LEDGER, isDigest, isValidTag, parseRepositoryName, type BlobInfo, type QuotaLedgerPort } from '@wharf/registry-core';
import { accessoryKind, isSignature, type AccessoryKindName } from './artifact-type';
import { removeArtifact } from './artifact-removal';
import { ManifestCache } from './manifest-cache';
import { lockWritableProject } from './proxy-cache-writes';

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

/** Where a copy comes from: `<project>/<repository>@<digest>` or `...:<tag>`. */
export interface ArtifactSource {
  project: string;
  repository: string;
  reference: string;
}

const SELECT = `SELECT a.id::float8 AS id, a.type, a.media_type AS manifest_media_type, a.config_media_type, a.artifact_type, a.project_id,
       a.repository_id, a.repository_name, a.digest, a.size::float8 AS size, a.push_time, a.pull_time, a.annotations, a.subject_digest
  FROM artifact a`;

/**
 * SQL: artifact `a` is an accessory of artifact `s`: same repository, and `a` names `s` as its
 * subject, or (older cosign clients, no subject field) `a` is tagged `sha256-<hex>.sig|.att|.sbom`
 * after `s`'s digest.
 */
const ACCESSORY_OF = (a: string, s: string) => `(${a}.repository_id = ${s}.repository_id AND (${a}.subject_digest = ${s}.digest
  OR (${a}.subject_digest IS NULL AND ${s}.digest LIKE 'sha256:%' AND EXISTS (SELECT 1 FROM tag tt WHERE tt.artifact_id = ${a}.id
      AND tt.name IN ('sha256-' || substr(${s}.digest, 8) || '.sig', 'sha256-' || substr(${s}.digest, 8) || '.att', 'sha256-' || substr(${s}.digest, 8) || '.sbom')))))`;

/** At most this many rounds of following references and accessories (nesting deeper than this is not followed). */
const MAX_DEPTH = 16;

/**
 * Artifacts as the management API sees them: listing with Harbor's filters, one by digest or
 * tag, with their tags, index references and accessories (signatures, SBOMs...: artifacts of the
 * same repository whose `subject` is this one); deleting one with its accessories; copying one
 * into another repository without moving bytes; tags.
 */
@Injectable()
export class ArtifactCatalogService {
  constructor(
    private readonly sql: SqlClient,
    private readonly blobs: BlobStore,
    private readonly cache: ManifestCache,
    private readonly immutability: ImmutableTagGuard,
    private readonly outbox: EventOutbox,
    @Inject(QUOTA_LEDGER) private readonly quota: QuotaLedgerPort,
  ) {}

  async list(repositoryId: number, filter: ArtifactFilter): Promise<{ items: ArtifactRecord[]; total: number }> {
    const params: unknown[] = [repositoryId];
    const where = ['a.repository_id = $1'];
    const add = (value: unknown) => `$${params.push(value)}`;
    // as Harbor: an untagged manifest an index names is not listed on its own (the index's references show it)
    where.push(`(EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id) OR NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id))`);
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
    const condition = where.join(' AND ');
    const total = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM artifact a WHERE ${condition}`, params);
    const items = await this.sql.query<ArtifactRecord>(`${SELECT} WHERE ${condition} ORDER BY a.push_time DESC, a.id DESC LIMIT ${add(filter.limit)} OFFSET ${add(filter.offset)}`, params);
    return { items, total: total[0].n };
  }

  /** By digest or tag, in the repository; 404 otherwise. */
  async get(repositoryId: number, reference: string): Promise<ArtifactRecord> {
    const found = await this.find(this.sql, repositoryId, reference);
    if (!found) throw new NotFoundError('artifact', `artifact ${reference} not found`);
    return found;
  }

  private async find(db: SqlExecutor, repositoryId: number, reference: string, lock = ''): Promise<ArtifactRecord | undefined> {
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
      `SELECT id::float8 AS id, repository_id, artifact_id::float8 AS artifact_id, name, push_time, pull_time FROM tag
        WHERE artifact_id = ANY($1::bigint[]) ORDER BY push_time DESC, id DESC ${page ? 'LIMIT $2 OFFSET $3' : ''}`,
      page ? [artifactIds, page.limit, page.offset] : [artifactIds],
    );
    for (const row of rows) result.get(row.artifact_id)?.push(row);
    return result;
  }

  async countTags(artifactId: number): Promise<number> {
    return (await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM tag WHERE artifact_id = $1`, [artifactId]))[0].n;
  }

  /** What each index names: its children with their platforms, as the index descriptor said. */
  async referencesOf(parentIds: number[]): Promise<Map<number, ReferenceRecord[]>> {
    const result = new Map<number, ReferenceRecord[]>(parentIds.map((id) => [id, []]));
    if (parentIds.length === 0) return result;
    const rows = await this.sql.query<ReferenceRecord>(
      `SELECT parent_id::float8 AS parent_id, child_id::float8 AS child_id, child_digest, platform, annotations, NULL AS urls
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
      `SELECT a.id::float8 AS id, a.digest, a.size::float8 AS size, a.push_time, a.artifact_type, a.config_media_type, s.id::float8 AS subject_id, s.digest AS subject_digest,
              COALESCE((SELECT array_agg(t.name) FROM tag t WHERE t.artifact_id = a.id), '{}') AS tags
         FROM artifact s JOIN artifact a ON ${ACCESSORY_OF('a', 's')}
        WHERE s.id = ANY($1::bigint[]) ORDER BY a.push_time, a.id`,
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

  /**
   * Deletes the artifact (by digest or tag: the artifact either way) with its tags, as Harbor does
   * in one transaction: its accessories (and theirs), and for an index the children no tag and no
   * other index keeps. An artifact still named by an index outside what goes: 412. Quota goes back
   * as for a manifest DELETE; bytes stay for GC.
   */
  async delete(projectId: number, repositoryId: number, repositoryName: string, reference: string, operator = ''): Promise<ArtifactRecord> {
    const deleted = await this.sql.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM project WHERE project_id = $1 FOR UPDATE`, [projectId]);
      const artifact = await this.find(tx, repositoryId, reference, 'FOR UPDATE OF a');
      if (!artifact) throw new NotFoundError('artifact', `artifact ${reference} not found`);
      const doomed = await this.closure(tx, artifact, 'unkept');
      const ids = [...doomed.keys()];
      const parents = await tx.query<{ digest: string; child: string }>(
        `SELECT p.digest, c.digest AS child FROM artifact_reference ar JOIN artifact p ON p.id = ar.parent_id JOIN artifact c ON c.id = ar.child_id
          WHERE ar.child_id = ANY($1::bigint[]) AND NOT (ar.parent_id = ANY($1::bigint[])) LIMIT 1`,
        [ids],
      );
      if (parents[0]) {
        throw new PreconditionError('in-use', `artifact ${parents[0].child} is referenced by index ${parents[0].digest}; delete the index first`);
      }
      // an immutable tag on anything that goes keeps it all (Harbor answers 412)
      const gone = await tx.query<{ id: string; digest: string; media_type: string; tags: string[] }>(
        `SELECT a.id, a.digest, a.media_type, ARRAY(SELECT t.name FROM tag t WHERE t.artifact_id = a.id ORDER BY t.name) AS tags
           FROM artifact a WHERE a.id = ANY($1::bigint[])`,
        [ids],
      );
      await this.refuseImmutable(repositoryName, gone.flatMap((a) => a.tags), 'deleted');
      await tx.query(`DELETE FROM artifact_reference WHERE parent_id = ANY($1::bigint[])`, [ids]);
      for (const [id, digest] of doomed) await removeArtifact(tx, this.quota, projectId, id, digest);
      const byId = new Map(gone.map((a) => [a.id, a]));
      await this.outbox.write(
        tx,
        ids.flatMap((id): NewEvent[] => {
          const a = byId.get(id);
          return a ? [{ type: EventType.DeleteArtifact, data: { repository: repositoryName, digest: a.digest, tags: a.tags, mediaType: a.media_type, operator } }] : [];
        }),
      );
      return artifact;
    });
    await this.cache.invalidate(repositoryName);
    return deleted;
  }

  /**
   * The artifact with its accessories (recursively) and its index children: every child for a
   * copy; for a delete only children no tag and no index outside the set keeps (Harbor's deep delete).
   * @returns id -> digest, the artifact first
   */
  private async closure(db: SqlExecutor, artifact: ArtifactRecord, children: 'all' | 'unkept'): Promise<Map<string, string>> {
    const found = new Map<string, string>([[String(artifact.id), artifact.digest]]);
    for (let round = 0; round < MAX_DEPTH; round += 1) {
      const more = await db.query<{ id: string; digest: string }>(
        `SELECT a.id, a.digest FROM artifact s JOIN artifact a ON ${ACCESSORY_OF('a', 's')}
          WHERE s.id = ANY($1::bigint[]) AND NOT (a.id = ANY($1::bigint[]))
         UNION
         SELECT c.id, c.digest FROM artifact_reference ar JOIN artifact c ON c.id = ar.child_id
          WHERE ar.parent_id = ANY($1::bigint[]) AND NOT (c.id = ANY($1::bigint[]))
            ${children === 'unkept' ? `AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM artifact_reference o WHERE o.child_id = c.id AND NOT (o.parent_id = ANY($1::bigint[])))` : ''}`,
        [[...found.keys()]],
      );
      if (more.length === 0) break;
      for (const row of more) found.set(row.id, row.digest);
    }
    return found;
  }

  /**
   * Copies an artifact (an index with its children, and its accessories) into another repository, possibly of another
   * project, without moving bytes: new artifact rows, the tag when copied by tag; artifact_blob
   * rows are keyed by digest and stay; the destination project is linked to every blob and
   * charged for those new to it (403 beyond its quota, nothing copied). Never into a proxy-cache
   * project (403).
   */
  async copy(source: ArtifactSource, destination: { projectId: number; repository: string }, operator = ''): Promise<{ digest: string; tag?: string }> {
    try {
      parseRepositoryName(destination.repository);
    } catch (error) {
      if (error instanceof InvalidError) throw new InvalidError('name', `${error.message}: ${destination.repository}`);
      throw error;
    }
    // before anything is touched: a refused copy changes nothing
    await lockWritableProject(this.sql, destination.projectId, forbidden);
    const sourceName = `${source.project}/${source.repository}`;
    const repo = await this.sql.query<{ id: number }>(`SELECT repository_id AS id FROM repository WHERE name = $1`, [sourceName]);
    const artifact = repo[0] && (await this.find(this.sql, repo[0].id, source.reference));
    if (!artifact) throw new NotFoundError('artifact', `artifact ${sourceName}${isDigest(source.reference) ? '@' : ':'}${source.reference} not found`);
    const members = await this.closure(this.sql, artifact, 'all');
    const tree = await this.sql.query<{ id: string; digest: string; media_type: string; artifact_type: string | null; config_media_type: string | null; subject_digest: string | null; size: string; manifest: Buffer; annotations: unknown; type: string; accessory: boolean; tags: string[] }>(
      `SELECT a.id, a.digest, a.media_type, a.artifact_type, a.config_media_type, a.subject_digest, a.size, a.manifest, a.annotations, a.type,
              EXISTS (SELECT 1 FROM artifact s WHERE s.id = ANY($1::bigint[]) AND ${ACCESSORY_OF('a', 's')}) AS accessory,
              COALESCE((SELECT array_agg(t.name ORDER BY t.id) FROM tag t WHERE t.artifact_id = a.id), '{}') AS tags
         FROM artifact a WHERE a.id = ANY($1::bigint[]) ORDER BY a.id`,
      [[...members.keys()]],
    );
    const blobDigests = (
      await this.sql.query<{ digest: string }>(`SELECT DISTINCT digest_blob AS digest FROM artifact_blob WHERE digest_af = ANY($1)`, [tree.map((a) => a.digest)])
    ).map((r) => r.digest);
    // protect them from a GC sweep racing the copy, as a push does
    await this.blobs.touch(blobDigests);
    const tag = isDigest(source.reference) ? undefined : source.reference;
    const immutableTag = tag ? (await this.immutability.immutableTags(destination.repository, [tag])).get(tag) : undefined;
    await this.sql.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM project WHERE project_id = $1 FOR KEY SHARE`, [destination.projectId]);
      const blobs = await tx.query<BlobInfo & { status: string; held: boolean }>(
        `SELECT b.id, b.digest, b.size::float8 AS size, b.content_type AS "contentType", b.status,
                EXISTS (SELECT 1 FROM project_blob pb WHERE pb.blob_id = b.id AND pb.project_id = $2) AS held
           FROM blob b WHERE b.digest = ANY($1) ORDER BY b.id FOR SHARE OF b`,
        [blobDigests, artifact.project_id],
      );
      // only what the source holds is copied: a proxy cache names layers in its manifests before
      // it has fetched them, and a digest stored for another project must not come along
      const held = blobs.filter((b) => b.held);
      if (held.length !== blobDigests.length) {
        throw new ConflictError(`not every blob of the artifact is stored in project ${source.project} (a proxy cache stores layers as they are first pulled); pull it whole first`);
      }
      const usable = held.filter((b) => b.status === 'none' || b.status === 'delete');
      if (usable.length !== blobDigests.length) throw new ConflictError('some blobs of the artifact are being garbage collected; push it again');
      const quotaContext = { repository: destination.repository, digest: artifact.digest, operator };
      for (const blob of usable) await this.blobs.linkToProject(destination.projectId, blob, tx, quotaContext);
      const repository = await tx.query<{ id: number }>(
        `INSERT INTO repository (project_id, name) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET update_time = now() RETURNING repository_id AS id`,
        [destination.projectId, destination.repository],
      );
      const ids = new Map<string, string>();
      for (const a of tree) {
        const inserted = await tx.query<{ id: string }>(
          `INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, artifact_type, config_media_type, subject_digest, size, manifest, annotations, type)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (repository_id, digest) DO UPDATE SET push_time = now() RETURNING id`,
          [destination.projectId, repository[0].id, destination.repository, a.digest, a.media_type, a.artifact_type, a.config_media_type, a.subject_digest, a.size, a.manifest, a.annotations === null ? null : JSON.stringify(a.annotations), a.type],
        );
        ids.set(a.id, inserted[0].id);
      }
      await tx.query(
        `INSERT INTO artifact_reference (parent_id, child_id, child_digest, platform, annotations)
         SELECT p.copy, c.copy, ar.child_digest, ar.platform, ar.annotations
           FROM artifact_reference ar
           JOIN unnest($1::bigint[], $2::bigint[]) AS p(original, copy) ON p.original = ar.parent_id
           JOIN unnest($1::bigint[], $2::bigint[]) AS c(original, copy) ON c.original = ar.child_id
          ORDER BY ar.id
         ON CONFLICT (parent_id, child_id) DO NOTHING`,
        [[...ids.keys()], [...ids.values()]],
      );
      // the tag asked for, and the tags of accessories (older cosign clients link signatures by tag only)
      const tags: [string, string][] = tree.filter((a) => a.accessory).flatMap((a) => a.tags.map((name): [string, string] => [ids.get(a.id)!, name]));
      if (tag) tags.push([ids.get(String(artifact.id))!, tag]);
      if (tag && immutableTag !== undefined) {
        // an immutable tag may be created, never moved to another artifact
        const moved = await tx.query(`SELECT 1 FROM tag WHERE repository_id = $1 AND name = $2 AND artifact_id <> $3`, [repository[0].id, tag, ids.get(String(artifact.id))]);
        if (moved.length > 0) throw immutableTagApiError(destination.repository, tag, immutableTag, 'overwritten');
      }
      for (const [artifactId, name] of tags) {
        await tx.query(
          `INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, $3)
           ON CONFLICT (repository_id, name) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, push_time = now()`,
          [repository[0].id, artifactId, name],
        );
      }
      await this.outbox.write(tx, [
        { type: EventType.PushArtifact, data: { repository: destination.repository, digest: artifact.digest, tags: tag ? [tag] : [], mediaType: artifact.manifest_media_type, operator } },
      ]);
    });
    await this.cache.invalidate(destination.repository);
    return { digest: artifact.digest, tag };
  }

  /**
   * Adds a tag to the artifact; 409 when the repository has that tag already (move it by deleting it first, as Harbor),
   * 412 when that tag is immutable and on another artifact, 403 in a proxy-cache project. Writes a push event.
   */
  async createTag(repositoryId: number, repositoryName: string, reference: string, name: string, operator = ''): Promise<void> {
    if (!isValidTag(name)) throw new InvalidError('request', `invalid tag name "${name}"`);
    const artifact = await this.get(repositoryId, reference);
    const rule = (await this.immutability.immutableTags(repositoryName, [name])).get(name);
    await this.sql.transaction(async (tx) => {
      await lockWritableProject(tx, artifact.project_id, forbidden);
      const rows = await tx.query(`INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, $3) ON CONFLICT (repository_id, name) DO NOTHING RETURNING id`, [
        repositoryId,
        artifact.id,
        name,
      ]);
      if (rows.length === 0) {
        const other = await tx.query(`SELECT 1 FROM tag WHERE repository_id = $1 AND name = $2 AND artifact_id <> $3`, [repositoryId, name, artifact.id]);
        if (rule !== undefined && other.length > 0) throw immutableTagApiError(repositoryName, name, rule, 'overwritten');
        throw new ConflictError(`tag ${name} already exists in ${repositoryName}`);
      }
      await this.outbox.write(tx, [
        { type: EventType.PushArtifact, data: { repository: repositoryName, digest: artifact.digest, tags: [name], mediaType: artifact.manifest_media_type, operator, tagsOnly: true } },
      ]);
    });
    await this.cache.invalidate(repositoryName);
  }

  /** Removes the tag (the artifact stays); 412 when it is immutable. Writes a tag delete event. */
  async deleteTag(repositoryId: number, repositoryName: string, reference: string, name: string, operator = ''): Promise<void> {
    const artifact = await this.get(repositoryId, reference);
    await this.refuseImmutable(repositoryName, [name], 'deleted');
    await this.sql.transaction(async (tx) => {
      const rows = await tx.query(`DELETE FROM tag WHERE repository_id = $1 AND artifact_id = $2 AND name = $3 RETURNING id`, [repositoryId, artifact.id, name]);
      if (rows.length === 0) throw new NotFoundError('tag', `tag ${name} not found on artifact ${reference}`);
      await this.outbox.write(tx, [
        { type: EventType.DeleteTag, data: { repository: repositoryName, digest: artifact.digest, tags: [name], mediaType: artifact.manifest_media_type, operator } },
      ]);
    });
    await this.cache.invalidate(repositoryName);
  }

  /** A precondition (412 on the management API) when an enabled rule protects one of these tags of the repository. */
  private async refuseImmutable(repositoryName: string, tags: readonly string[], what: 'overwritten' | 'deleted'): Promise<void> {
    const [immutable] = await this.immutability.immutableTags(repositoryName, tags);
    if (immutable) throw immutableTagApiError(repositoryName, immutable[0], immutable[1], what);
  }
}

const forbidden = (message: string): DeniedError => new DeniedError(message);

/** The refusal of a change to an immutable tag through the management API, worded as Harbor's API words it. */
export function immutableTagApiError(repository: string, tag: string, ruleId: number, what: 'overwritten' | 'deleted'): PreconditionError {
  return new PreconditionError('immutable', `tag ${tag} in ${repository} is immutable (rule ${ruleId}) and cannot be ${what}`);
}
