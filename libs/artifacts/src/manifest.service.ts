import { Inject, Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { DeniedError, InvalidError, NotFoundError, UnavailableError } from '@wharf/errors';
import { EventOutbox, EventType, PullEventBuffer } from '@wharf/events';
import { ImmutableTagGuard, immutableTagError } from '@wharf/immutability';
import {
  BlobCollectedError,
  BlobStore,
  QUOTA_LEDGER,
  digestOf,
  isDigest,
  isValidTag,
  parseDigest,
  parseManifest,
  type ParsedManifest,
  type QuotaContext,
  type QuotaLedgerPort,
  type RepositoryName,
} from '@wharf/registry-core';
import { removeArtifact } from './artifact-removal';
import { linkArtifactBlobs, linkChildren, pointTag, upsertArtifact, upsertRepository } from './artifact-rows';
import { ManifestCache } from './manifest-cache';
import { lockWritableProject } from './proxy-cache-writes';
import { PullTimeRecorder } from './pull-time-recorder';
import type { StoredManifest } from './stored-manifest';

export interface PushedManifest {
  digest: string;
  subject?: string;
  /** the tags now pointing at it */
  tags: string[];
}

/** A manifest push stores its bytes again at most this often when GC collects them meanwhile (possible only with a time window near zero). */
const MANIFEST_STORE_ATTEMPTS = 3;


/**
 * SQL condition on artifact `a`: no tag points to it, no index names it, and it is not an
 * accessory (signature, SBOM) of an artifact still in the repository. What delete_untagged removes.
 */
export const UNTAGGED_ARTIFACT = `NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id)
  AND NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id)
  AND (a.subject_digest IS NULL OR NOT EXISTS (SELECT 1 FROM artifact s WHERE s.repository_id = a.repository_id AND s.digest = a.subject_digest))`;

/**
 * Manifests as artifacts: validated on push (structure, every referenced blob in the project,
 * every child manifest in the repository), stored byte-for-byte both in the artifact row (one
 * indexed lookup serves a pull) and as a content-addressed blob in storage, with the
 * repository, artifact, tag, index -> child and artifact -> blob rows written in one transaction.
 */
@Injectable()
export class ManifestService {
  constructor(
    private readonly sql: SqlClient,
    private readonly blobs: BlobStore,
    private readonly pulls: PullTimeRecorder,
    private readonly cache: ManifestCache,
    private readonly immutability: ImmutableTagGuard,
    private readonly outbox: EventOutbox,
    private readonly pullEvents: PullEventBuffer,
    @Inject(QUOTA_LEDGER) private readonly quota: QuotaLedgerPort,
  ) {}

  /** `isPull`: a GET (recorded as a pull), not a HEAD. The body comes along either way: it is small and cached. */
  async find(repository: string, reference: string, isPull: boolean, operator = ''): Promise<StoredManifest> {
    const byDigest = isDigest(reference);
    if (!byDigest && !isValidTag(reference)) throw new NotFoundError('manifest', 'manifest unknown to registry', { details: { name: repository, reference } });
    const cached = await this.cache.get(repository, reference);
    if (cached.hit) {
      if (isPull) this.recordPull(repository, reference, cached.hit, operator);
      return cached.hit;
    }
    const rows = await this.sql.query<StoredManifest>(
      byDigest
        ? `SELECT a.id AS "artifactId", NULL AS "tagId", a.digest, a.media_type AS "mediaType", a.size::float8 AS size, a.manifest AS body
             FROM artifact a JOIN repository r ON r.repository_id = a.repository_id
            WHERE r.name = $1 AND a.digest = $2`
        : `SELECT a.id AS "artifactId", t.id AS "tagId", a.digest, a.media_type AS "mediaType", a.size::float8 AS size, a.manifest AS body
             FROM tag t JOIN repository r ON r.repository_id = t.repository_id JOIN artifact a ON a.id = t.artifact_id
            WHERE r.name = $1 AND t.name = $2`,
      [repository, reference],
    );
    const manifest = rows[0];
    if (!manifest) throw new NotFoundError('manifest', 'manifest unknown to registry', { details: { name: repository, reference } });
    await this.cache.store(repository, reference, cached.generation, manifest);
    if (isPull) this.recordPull(repository, reference, manifest, operator);
    return manifest;
  }

  /** Pull time and the pull event: both buffered, written in batches off the hot path. */
  private recordPull(repository: string, reference: string, manifest: StoredManifest, operator: string): void {
    this.pulls.record(manifest.artifactId, manifest.tagId);
    this.pullEvents.record({ repository, digest: manifest.digest, tags: byDigestOrTag(reference), mediaType: manifest.mediaType, operator });
  }

  /** `extraTags`: the `?tag=` parameters of a push by digest (distribution-spec 1.1+); `operator`: who pushes, for the push event. */
  async put(
    repo: RepositoryName, projectId: number, reference: string, body: Buffer, contentType: string | undefined, extraTags: string[] = [], operator = '',
  ): Promise<PushedManifest> {
    const byDigest = isDigest(reference);
    const tags = byDigest ? [...new Set(extraTags)] : [reference];
    const badTag = tags.find((tag) => !isValidTag(tag));
    if (badTag !== undefined) throw new InvalidError('tag', 'invalid tag', { details: { tag: badTag } });
    const parsed = parseManifest(body, contentType);
    const digest = byDigest ? digestOf(body, parseDigest(reference).algorithm) : digestOf(body);
    if (byDigest && digest !== reference) {
      throw new InvalidError('digest', 'manifest digest does not match the reference', { details: { expected: reference, actual: digest } });
    }
    // protect the referenced blobs from a GC sweep racing this push (a short statement of its own:
    // inside the transaction its row locks would serialise every push that shares a layer)
    await this.blobs.touch([...new Set(parsed.blobs.map((b) => b.digest))]);
    // cached per project: usually no query; the tag write below enforces it atomically
    const immutable = await this.immutability.immutableTags(repo.name, tags);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.store(repo, projectId, digest, parsed, body, tags, immutable, operator);
        break;
      } catch (error) {
        // (a refusal over quota was recorded as a QUOTA_EXCEED event by the quota ledger)
        // GC took the manifest's own blob between storing and linking it: store it again
        if (!(error instanceof BlobCollectedError)) throw error;
        if (attempt === MANIFEST_STORE_ATTEMPTS) throw new UnavailableError('the manifest was garbage collected while it was pushed; push it again', { details: { digest } });
      }
    }
    await this.cache.invalidate(repo.name);
    return { digest, subject: parsed.subject?.digest, tags };
  }

  /** Stores the manifest's bytes and writes its rows in one transaction. */
  private async store(
    repo: RepositoryName, projectId: number, digest: string, parsed: ParsedManifest, body: Buffer, tags: string[], immutable: ReadonlyMap<string, number>,
    operator: string,
  ): Promise<void> {
    const parsedDigest = parseDigest(digest);
    const quotaContext: QuotaContext = { repository: repo.name, digest, operator };
    await this.refuseEarly(repo, projectId, digest, parsed, body.length, tags, immutable, quotaContext);
    const existingId = await this.blobs.storeBytes(parsedDigest, body);
    const manifestBlob = await this.blobs.record(parsedDigest, body.length, parsed.mediaType, existingId);
    await this.sql.transaction(async (tx) => {
      // KEY SHARE: concurrent pushes go on side by side, but a delete that gives quota back
      // (FOR UPDATE, below) runs strictly before or after this push, never across it; and never
      // into a proxy cache (refused at the /v2 edge already, here for every other caller)
      await lockWritableProject(tx, projectId, (message) => new DeniedError(message, { details: { project: repo.project } }));
      await this.requireBlobs(tx, repo.project, parsed, digest);
      await this.blobs.linkToProject(projectId, manifestBlob, tx, quotaContext);
      const repositoryId = await upsertRepository(tx, projectId, repo.name);
      const artifactId = await upsertArtifact(tx, projectId, repositoryId, repo.name, digest, parsed, body);
      await linkChildren(tx, repositoryId, artifactId, parsed, 'all');
      await linkArtifactBlobs(tx, digest, parsed);
      for (const tag of tags) {
        const rule = immutable.get(tag);
        if (rule !== undefined) {
          // an immutable tag may be created or pushed again with its digest, never moved
          const kept = await tx.query(
            `INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, $3)
             ON CONFLICT (repository_id, name) DO UPDATE SET push_time = now() WHERE tag.artifact_id = EXCLUDED.artifact_id RETURNING id`,
            [repositoryId, artifactId, tag],
          );
          if (kept.length === 0) throw immutableTagError(repo.name, tag, rule, 'overwritten');
          continue;
        }
        await pointTag(tx, repositoryId, artifactId, tag);
      }
      await this.outbox.write(tx, [{ type: EventType.PushArtifact, data: { repository: repo.name, digest, tags, mediaType: parsed.mediaType, operator } }]);
    });
  }

  /**
   * The refusals a push can be told before its bytes are stored: beyond the quota, a blob or
   * child manifest missing, an immutable tag moved. Without this a refused push would leave its
   * bytes in storage, charged to nobody until GC's time window passes. The transaction checks
   * them all again under its locks; a push refused only there (a race) leaves a `blob` row GC reclaims.
   */
  private async refuseEarly(
    repo: RepositoryName, projectId: number, digest: string, parsed: ParsedManifest, size: number, tags: string[], immutable: ReadonlyMap<string, number>,
    quotaContext: QuotaContext,
  ): Promise<void> {
    // a proxy cache refuses every push, whatever it references (outside a transaction the row
    // lock is momentary: the transaction in store() checks again and holds it)
    await lockWritableProject(this.sql, projectId, (message) => new DeniedError(message, { details: { project: repo.project } }));
    await this.blobs.assertQuotaAllows(projectId, digest, size, quotaContext);
    await this.requireBlobs(this.sql, repo.project, parsed);
    const children = [...new Set(parsed.manifests.map((m) => m.digest))];
    if (children.length > 0) {
      const found = await this.sql.query<{ digest: string }>(
        `SELECT a.digest FROM artifact a JOIN repository r ON r.repository_id = a.repository_id WHERE r.name = $1 AND a.digest = ANY($2)`,
        [repo.name, children],
      );
      const missing = children.find((d) => !found.some((f) => f.digest === d));
      if (missing) throw new InvalidError('manifest-reference', 'manifest references a manifest unknown to this repository', { details: { digest: missing } });
    }
    const guarded = tags.filter((tag) => immutable.has(tag));
    if (guarded.length > 0) {
      const moved = await this.sql.query<{ name: string }>(
        `SELECT t.name FROM tag t JOIN repository r ON r.repository_id = t.repository_id JOIN artifact a ON a.id = t.artifact_id
          WHERE r.name = $1 AND t.name = ANY($2) AND a.digest <> $3`,
        [repo.name, guarded, digest],
      );
      if (moved[0]) throw immutableTagError(repo.name, moved[0].name, immutable.get(moved[0].name)!, 'overwritten');
    }
  }

  /** DELETE by digest removes the artifact (and its tags); by tag removes only the tag. */
  async delete(repository: string, reference: string, operator = ''): Promise<void> {
    if (!isDigest(reference)) {
      const rule = (await this.immutability.immutableTags(repository, [reference])).get(reference);
      if (rule !== undefined) throw immutableTagError(repository, reference, rule, 'deleted');
      await this.sql.transaction(async (tx) => {
        const rows = await tx.query<{ digest: string; media_type: string }>(
          `WITH removed AS (
             DELETE FROM tag t USING repository r WHERE t.repository_id = r.repository_id AND r.name = $1 AND t.name = $2 RETURNING t.artifact_id
           )
           SELECT a.digest, a.media_type FROM removed JOIN artifact a ON a.id = removed.artifact_id`,
          [repository, reference],
        );
        if (rows.length === 0) throw new NotFoundError('manifest', 'manifest unknown to registry', { details: { name: repository, reference } });
        const data = { repository, digest: rows[0].digest, tags: [reference], mediaType: rows[0].media_type, operator };
        await this.outbox.write(tx, [{ type: EventType.DeleteTag, data }]);
      });
      await this.cache.invalidate(repository);
      return;
    }
    await this.sql.transaction(async (tx) => {
      const project = await tx.query<{ project_id: number }>(
        `SELECT p.project_id FROM project p JOIN repository r ON r.project_id = p.project_id WHERE r.name = $1 FOR UPDATE OF p`,
        [repository],
      );
      const parents = await tx.query<{ digest: string }>(
        `SELECT p.digest FROM artifact_reference ar
           JOIN artifact c ON c.id = ar.child_id JOIN repository r ON r.repository_id = c.repository_id
           JOIN artifact p ON p.id = ar.parent_id
          WHERE r.name = $1 AND c.digest = $2 LIMIT 1`,
        [repository, reference],
      );
      if (parents[0]) {
        throw new DeniedError(`manifest is referenced by index ${parents[0].digest}; delete the index first`, { details: { digest: reference } });
      }
      // the project row lock keeps pushes out, so these are all its tags
      const deleted = await tx.query<{ id: string; media_type: string; tags: string[] }>(
        `SELECT a.id, a.media_type, ARRAY(SELECT t.name FROM tag t WHERE t.artifact_id = a.id ORDER BY t.name) AS tags
           FROM artifact a JOIN repository r ON r.repository_id = a.repository_id WHERE r.name = $1 AND a.digest = $2`,
        [repository, reference],
      );
      if (deleted.length === 0) throw new NotFoundError('manifest', 'manifest unknown to registry', { details: { name: repository, reference } });
      const [immutable] = await this.immutability.immutableTags(repository, deleted[0].tags);
      if (immutable) throw immutableTagError(repository, immutable[0], immutable[1], 'deleted');
      await removeArtifact(tx, this.quota, project[0].project_id, deleted[0].id, reference);
      const data = { repository, digest: reference, tags: deleted[0].tags, mediaType: deleted[0].media_type, operator };
      await this.outbox.write(tx, [{ type: EventType.DeleteArtifact, data }]);
    });
    await this.cache.invalidate(repository);
  }

  /**
   * GC's delete_untagged: removes an artifact that no tag points to, no index names, whose
   * subject (if it has one) is gone, and that was pushed before `pushedBefore`. Re-checked under
   * the artifact's row lock, so a tag or an index written meanwhile keeps it. True when it went.
   */
  async deleteIfUntagged(repository: string, digest: string, pushedBefore: Date): Promise<boolean> {
    const removed = await this.sql.transaction(async (tx) => {
      const project = await tx.query<{ project_id: number }>(
        `SELECT p.project_id FROM project p JOIN repository r ON r.project_id = p.project_id WHERE r.name = $1 FOR UPDATE OF p`,
        [repository],
      );
      const locked = await tx.query<{ id: string }>(
        `SELECT a.id FROM artifact a JOIN repository r ON r.repository_id = a.repository_id WHERE r.name = $1 AND a.digest = $2 FOR UPDATE OF a`,
        [repository, digest],
      );
      if (!project[0] || !locked[0]) return false;
      // a statement of its own: it sees what pushes that held the row committed before we got the lock
      const check = await tx.query<{ untagged: boolean }>(`SELECT (${UNTAGGED_ARTIFACT}) AND a.push_time < $2 AS untagged FROM artifact a WHERE a.id = $1`, [
        locked[0].id,
        pushedBefore,
      ]);
      if (!check[0]?.untagged) return false;
      await removeArtifact(tx, this.quota, project[0].project_id, locked[0].id, digest);
      return true;
    });
    if (removed) await this.cache.invalidate(repository);
    return removed;
  }

  /**
   * Every blob the manifest names must be stored, linked to the project and not being collected,
   * and so must the manifest's own blob (when given: the early check runs before it is stored). FOR SHARE, in id order and in one statement: pushes
   * sharing blobs do not block each other, but a GC sweep cannot move these rows to `deleting`
   * until this push commits, and then it sees the references written here.
   */
  private async requireBlobs(tx: SqlExecutor, project: string, parsed: ParsedManifest, manifestDigest?: string): Promise<void> {
    const wanted = [...new Map(parsed.blobs.map((b) => [b.digest, b])).values()];
    const found = await tx.query<{ digest: string; size: number; status: string; linked: boolean }>(
      `SELECT b.digest, b.size::float8 AS size, b.status,
              EXISTS (SELECT 1 FROM project_blob pb JOIN project p ON p.project_id = pb.project_id WHERE pb.blob_id = b.id AND p.name = $1) AS linked
         FROM blob b WHERE b.digest = ANY($2)
        ORDER BY b.id FOR SHARE OF b`,
      [project, [...(manifestDigest ? [manifestDigest] : []), ...wanted.map((b) => b.digest)]],
    );
    const usable = new Map(found.filter((b) => b.status === 'none' || b.status === 'delete').map((b) => [b.digest, b]));
    if (manifestDigest && !usable.has(manifestDigest)) throw new BlobCollectedError(manifestDigest);
    for (const blob of wanted) {
      const stored = usable.get(blob.digest);
      // unknown here, or being deleted by GC: either way the client must upload it (again)
      if (!stored?.linked) throw new InvalidError('manifest-reference', 'blob unknown to registry', { details: { digest: blob.digest } });
      if (stored.size !== blob.size) {
        throw new InvalidError('manifest', `descriptor size ${blob.size} does not match blob size ${stored.size}`, { details: { digest: blob.digest } });
      }
    }
  }
}

const byDigestOrTag = (reference: string): string[] => (isDigest(reference) ? [] : [reference]);

export { isQuotaExceeded } from '@wharf/registry-core';
