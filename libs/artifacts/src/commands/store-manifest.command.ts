import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor, type SqlTransaction } from '@wharf/db';
import { InvalidError, UnavailableError } from '@wharf/errors';
import { EventOutbox, EventType } from '@wharf/events';
import {
  BlobCollectedError,
  BlobStore,
  digestOf,
  isDigest,
  isValidTag,
  parseDigest,
  parseManifest,
  type BlobInfo,
  type ParsedManifest,
  type QuotaContext,
  type RepositoryName,
} from '@wharf/registry-core';
import { linkChildren, linkToParents, markRepositoryPushed, repositoryForPush, writeArtifact } from '../artifact-rows';
import { ManifestCache } from '../manifest-cache';
import { lockWritableProject, refuseIfProxyCache } from '../proxy-cache-writes';
import type { StoredManifest } from '../stored-manifest';
import { proxyProjectRefusal } from './refusals';
import { TagWriter, type PreparedTags } from './tag-writer';

export interface PushedManifest {
  digest: string;
  subject?: string;
  /** the tags now pointing at it */
  tags: string[];
}

/** A manifest is stored again at most this often when GC collects its bytes meanwhile (possible only with a time window near zero). */
const STORE_ATTEMPTS = 3;

/**
 * Stores a manifest as an artifact: its bytes both in the artifact row (one indexed lookup serves
 * a pull) and as a content-addressed blob, and the repository, artifact, index -> child,
 * artifact -> blob and tag rows in one transaction. Two sources:
 *
 * - `push`, a client's push through /v2: validated (structure, every referenced blob in the
 *   project, every child manifest in the repository), refused into a proxy project, beyond the
 *   quota or moving an immutable tag, and announced by a push event;
 * - `storeFromUpstream`, what a proxy-cache project received from its upstream, byte for byte
 *   (so the digest clients see is the upstream's): its layers come later (when first pulled), an
 *   index arrives before its children (linked as they arrive), and no event (nobody pushed).
 *
 * Either way the manifest's own blob is stored, linked and charged to the project.
 */
@Injectable()
export class StoreManifestCommand {
  constructor(
    private readonly sql: SqlClient,
    private readonly blobs: BlobStore,
    private readonly cache: ManifestCache,
    private readonly tags: TagWriter,
    private readonly outbox: EventOutbox,
  ) {}

  /** `extraTags`: the `?tag=` parameters of a push by digest (distribution-spec 1.1+); `operator`: who pushes, for the push event. */
  async push(
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
    await this.blobs.touchForReuse([...new Set(parsed.blobs.map((b) => b.digest))]);
    // cached per project: usually no query; the tag write in the transaction enforces the rules atomically
    const pointed = await this.tags.prepare(repo.name, tags);
    // a refusal over quota becomes a QUOTA_EXCEED event naming these (the quota ledger writes it)
    const quotaContext: QuotaContext = { repository: repo.name, digest, operator };
    await this.withRetries(digest, 'pushed', async () => {
      await this.refuseEarly(repo, projectId, digest, parsed, body.length, pointed, quotaContext);
      const manifestBlob = await this.storeBytes(digest, parsed, body);
      // linked and charged like a layer, on its own before the transaction (which then checks the
      // link as it checks the layers'): the transaction holds no project row exclusively, so
      // concurrent pushes into one project commit side by side
      await this.blobs.chargeNow(projectId, manifestBlob, quotaContext);
      const repositoryId = await this.sql.transaction(async (tx) => {
        // KEY SHARE: concurrent pushes go on side by side, but a delete that gives quota back
        // (FOR UPDATE) runs strictly before or after this push, never across it; and never
        // into a proxy cache (refused at the /v2 edge already, here for every other caller)
        await lockWritableProject(tx, projectId, proxyProjectRefusal('registry', repo.project));
        await this.requireBlobs(tx, projectId, parsed, digest);
        const written = await this.writeRows(tx, repo, projectId, digest, parsed, body, 'all');
        await this.tags.point(tx, written.repositoryId, written.artifactId, pointed, 'registry');
        await this.outbox.write(tx, [{ type: EventType.PushArtifact, data: { repository: repo.name, digest, tags, mediaType: parsed.mediaType, operator } }]);
        return written.repositoryId;
      });
      await markRepositoryPushed(this.sql, repositoryId);
    });
    await this.cache.invalidate(repo.name);
    return { digest, subject: parsed.subject?.digest, tags };
  }

  /** `tag`: the tag the upstream serves it under, moved here too; `expectedDigest`: what the upstream announced. */
  async storeFromUpstream(repo: RepositoryName, projectId: number, tag: string | null, body: Buffer, mediaType: string, expectedDigest?: string): Promise<StoredManifest> {
    if (tag !== null && !isValidTag(tag)) throw new InvalidError('tag', 'invalid tag', { details: { tag } });
    const parsed = parseManifest(body, mediaType);
    const digest = digestOf(body, expectedDigest ? parseDigest(expectedDigest).algorithm : undefined);
    if (expectedDigest && digest !== expectedDigest) {
      throw new InvalidError('manifest', 'the upstream sent a manifest whose digest does not match', { details: { expected: expectedDigest, actual: digest } });
    }
    const upstreamTag = await this.tags.prepare(repo.name, tag === null ? [] : [tag], 'upstream');
    const stored = await this.withRetries(digest, 'cached', async () => {
      const manifestBlob = await this.storeBytes(digest, parsed, body);
      const [cached, repositoryId] = await this.sql.transaction(async (tx): Promise<[StoredManifest, number]> => {
        await tx.query(`SELECT 1 FROM project WHERE project_id = $1 FOR KEY SHARE`, [projectId]);
        // the proxy caches on its own behalf (one fetch serves every concurrent pull): no operator
        const caching: QuotaContext = { repository: repo.name, digest, operator: '' };
        const { repositoryId, artifactId } = await this.writeRows(tx, repo, projectId, digest, parsed, body, 'present');
        await linkToParents(tx, repositoryId, artifactId, digest);
        const [pointed] = await this.tags.point(tx, repositoryId, artifactId, upstreamTag, 'registry');
        await this.chargeLast(tx, projectId, manifestBlob, caching);
        return [{ artifactId, tagId: pointed?.outcome === 'written' ? pointed.id : null, digest, mediaType: parsed.mediaType, size: body.length, body }, repositoryId];
      });
      await markRepositoryPushed(this.sql, repositoryId);
      return cached;
    });
    await this.cache.invalidate(repo.name);
    return stored;
  }

  /** GC may take the manifest's own blob between storing and linking it: then it is stored again. */
  private async withRetries<T>(digest: string, what: 'pushed' | 'cached', attempt: () => Promise<T>): Promise<T> {
    for (let count = 1; ; count += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof BlobCollectedError)) throw error;
        if (count === STORE_ATTEMPTS) {
          const again = what === 'pushed' ? 'push it again' : 'pull again';
          throw new UnavailableError(`the manifest was garbage collected while it was ${what}; ${again}`, { details: { digest } });
        }
      }
    }
  }

  private async storeBytes(digest: string, parsed: ParsedManifest, body: Buffer): Promise<BlobInfo> {
    const parsedDigest = parseDigest(digest);
    const existingId = await this.blobs.storeBytes(parsedDigest, body);
    return this.blobs.record(parsedDigest, body.length, parsed.mediaType, existingId);
  }

  /** The rows every stored manifest becomes, inside the caller's transaction (the quota charge comes last: `chargeAndMark`). */
  private async writeRows(
    tx: SqlTransaction, repo: RepositoryName, projectId: number, digest: string, parsed: ParsedManifest, body: Buffer, children: 'all' | 'present',
  ): Promise<{ repositoryId: number; artifactId: number }> {
    const repositoryId = await repositoryForPush(tx, projectId, repo.name);
    const artifactId = await writeArtifact(tx, projectId, repositoryId, repo.name, digest, parsed, body);
    await linkChildren(tx, repositoryId, artifactId, parsed, children);
    return { repositoryId, artifactId };
  }

  /**
   * The proxy cache's last write in its transaction: the manifest's own blob linked and charged to
   * the project. The charge holds the project row exclusively until the commit, so concurrent
   * fetches into one project queue for this statement and the commit only.
   */
  private async chargeLast(tx: SqlTransaction, projectId: number, manifestBlob: BlobInfo, quotaContext: QuotaContext): Promise<void> {
    await this.blobs.linkToProject(projectId, manifestBlob, tx, quotaContext);
  }

  /**
   * The refusals a push can be told before its bytes are stored: a proxy project, beyond the
   * quota, a blob or child manifest missing, an immutable tag moved. Without this a refused push
   * would leave its bytes in storage, charged to nobody until GC's time window passes. The
   * transaction checks them all again under its locks; a push refused only there (a race) leaves
   * a `blob` row GC reclaims.
   */
  private async refuseEarly(
    repo: RepositoryName, projectId: number, digest: string, parsed: ParsedManifest, size: number, tags: PreparedTags, quotaContext: QuotaContext,
  ): Promise<void> {
    // a proxy cache refuses every push, whatever it references (read without a lock: the
    // transaction checks again and holds it)
    const { project, blobs } = await this.readProjectAndBlobs(projectId, parsed);
    if (project) refuseIfProxyCache(project, proxyProjectRefusal('registry', repo.project));
    await this.blobs.assertQuotaAllows(projectId, digest, size, quotaContext);
    this.checkBlobs(parsed, blobs);
    const children = [...new Set(parsed.manifests.map((m) => m.digest))];
    if (children.length > 0) {
      const found = await this.sql.query<{ digest: string }>(
        `SELECT a.digest FROM artifact a JOIN repository r ON r.repository_id = a.repository_id WHERE r.name = $1 AND a.digest = ANY($2)`,
        [repo.name, children],
      );
      const missing = children.find((d) => !found.some((f) => f.digest === d));
      if (missing) throw new InvalidError('manifest-reference', 'manifest references a manifest unknown to this repository', { details: { digest: missing } });
    }
    await this.tags.refuseMoves(this.sql, digest, tags, 'registry');
  }

  /**
   * Every blob the manifest names must be stored, linked to the project and not being collected,
   * and so must the manifest's own blob (charged just before). FOR SHARE, in id order and in one statement: pushes
   * sharing blobs do not block each other, but a GC sweep cannot move these rows to `deleting`
   * until this push commits, and then it sees the references written here.
   */
  private async requireBlobs(tx: SqlExecutor, projectId: number, parsed: ParsedManifest, manifestDigest: string): Promise<void> {
    const found = await tx.query<FoundBlob>(
      `SELECT b.digest, b.size, b.status,
              EXISTS (SELECT 1 FROM project_blob pb WHERE pb.blob_id = b.id AND pb.project_id = $1) AS linked
         FROM blob b WHERE b.digest = ANY($2)
        ORDER BY b.id FOR SHARE OF b`,
      [projectId, [manifestDigest, ...parsed.blobs.map((b) => b.digest)]],
    );
    // collected, or released by a concurrent delete since it was charged: stored and charged again
    if (!usableBlobs(found).get(manifestDigest)?.linked) throw new BlobCollectedError(manifestDigest);
    this.checkBlobs(parsed, found);
  }

  /** The early check's read, one statement without locks: whether the project is a proxy cache, and the blobs the manifest names. */
  private async readProjectAndBlobs(projectId: number, parsed: ParsedManifest): Promise<{ project?: ProjectKind; blobs: FoundBlob[] }> {
    const rows = await this.sql.query<ProjectKind & Partial<FoundBlob>>(
      `SELECT p.name, p.registry_id, b.digest, b.size, b.status,
              EXISTS (SELECT 1 FROM project_blob pb WHERE pb.blob_id = b.id AND pb.project_id = p.project_id) AS linked
         FROM project p LEFT JOIN blob b ON b.digest = ANY($2)
        WHERE p.project_id = $1`,
      [projectId, [...new Set(parsed.blobs.map((b) => b.digest))]],
    );
    return { project: rows[0], blobs: rows.filter((r): r is ProjectKind & FoundBlob => r.digest != null) };
  }

  private checkBlobs(parsed: ParsedManifest, found: FoundBlob[]): void {
    const usable = usableBlobs(found);
    for (const blob of new Map(parsed.blobs.map((b) => [b.digest, b])).values()) {
      const stored = usable.get(blob.digest);
      // unknown here, or being deleted by GC: either way the client must upload it (again)
      if (!stored?.linked) throw new InvalidError('manifest-reference', 'blob unknown to registry', { details: { digest: blob.digest } });
      if (stored.size !== blob.size) {
        throw new InvalidError('manifest', `descriptor size ${blob.size} does not match blob size ${stored.size}`, { details: { digest: blob.digest } });
      }
    }
  }
}

interface FoundBlob {
  digest: string;
  size: number;
  status: string;
  linked: boolean;
}

interface ProjectKind {
  name: string;
  registry_id: number | null;
}

/** The blobs not being collected, by digest. */
function usableBlobs(found: FoundBlob[]): Map<string, FoundBlob> {
  return new Map(found.filter((b) => b.status === 'none' || b.status === 'delete').map((b) => [b.digest, b]));
}
