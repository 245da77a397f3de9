import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlTransaction } from '@wharf/db';
import { InvalidError, UnavailableError } from '@wharf/errors';
import { EventOutbox, EventType, type OutboxColumns } from '@wharf/events';
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
  type QuotaUsage,
  type RepositoryName,
} from '@wharf/registry-core';
import { artifactValues, linkChildren, linkToParents, markRepositoryPushed, repositoryForPush, writeArtifact } from '../artifact-rows';
import { ManifestCache } from '../manifest-cache';
import { proxyCacheRefusalMessage, refuseIfProxyCache } from '../proxy-cache-writes';
import type { StoredManifest } from '../stored-manifest';
import { immutableTag, proxyProjectRefusal } from './refusals';
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
 * Either way the manifest's own blob is stored, linked and charged to the project. A push's
 * transaction is one statement (`wharf_manifest_push`, see `writePush`), its own blob's row and
 * charge one before it, the early checks one read (with the quota budget and the claim of the
 * manifest's own blob): 4 statements in all for a new tag (test/distribution/push-statements).
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
    // cached per project: usually no query; the push function enforces the rules atomically
    const pointed = await this.tags.prepare(repo.name, tags);
    // a refusal over quota becomes a QUOTA_EXCEED event naming these (the quota ledger writes it)
    const quotaContext: QuotaContext = { repository: repo.name, digest, operator };
    const event = this.outbox.rows([{ type: EventType.PushArtifact, data: { repository: repo.name, digest, tags, mediaType: parsed.mediaType, operator } }]);
    await this.withRetries(digest, 'pushed', async () => {
      const claim = await this.refuseEarly(repo, projectId, digest, parsed, body.length, pointed, quotaContext);
      const existingId = await this.blobs.storeBytesAfterClaim(parseDigest(digest), body, claim);
      // linked and charged like a layer, before the push's transaction (which checks the link as it
      // checks the layers'), committed without a WAL flush wait: the project row is held
      // exclusively that long only, so concurrent pushes into one project commit side by side
      await this.blobs.recordAndCharge(projectId, parseDigest(digest), body.length, parsed.mediaType, existingId, quotaContext);
      await this.writePush(repo, projectId, digest, parsed, body, pointed, event);
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
   * @returns the claim of the manifest's own blob the early read made, for `storeBytesAfterClaim`
   */
  private async refuseEarly(
    repo: RepositoryName, projectId: number, digest: string, parsed: ParsedManifest, size: number, tags: PreparedTags, quotaContext: QuotaContext,
  ): Promise<OwnBlobClaim> {
    // a proxy cache refuses every push, whatever it references (read without a lock: the
    // transaction checks again and holds it)
    const { project, blobs } = await this.readEarly(projectId, digest, parsed);
    if (project) refuseIfProxyCache(project, proxyProjectRefusal('registry', repo.project));
    const budget = this.blobs.quotaBudgetFrom(projectId, project, quotaContext);
    if (size > budget.bytes) throw await budget.refuse(size);
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
    return { id: project?.own_id ?? null, found: project?.own_found ?? false };
  }

  /**
   * The push's transaction as one statement (`wharf_manifest_push`, migration 1765321000000),
   * committed synchronously (a 201 is durable): under shared locks only, it checks again what
   * `refuseEarly` checked (proxy project, every blob stored, linked and of its size, the
   * manifest's own blob still linked, the children present, no immutable tag moved) and writes
   * the repository, artifact, blob links, child references, tags and the push event, then stamps
   * the repository's push time unless another push is stamping it. Its refusals come back as
   * SQLSTATEs, mapped here to the errors the steps raised one by one before.
   */
  private async writePush(
    repo: RepositoryName, projectId: number, digest: string, parsed: ParsedManifest, body: Buffer, pointed: PreparedTags, event: OutboxColumns,
  ): Promise<void> {
    const blobs = new Map(parsed.blobs.map((b) => [b.digest, b.size]));
    const row = artifactRow(digest, parsed, body);
    try {
      await this.sql.queryPrepared(
        `SELECT * FROM wharf_manifest_push($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
        [
          projectId, repo.name, digest, row.mediaType, row.artifactType, row.configMediaType, row.subject, row.size, row.manifest, row.annotations, row.type,
          [...blobs.keys()], [...blobs.values()],
          parsed.manifests.map((m) => m.digest),
          parsed.manifests.map((m) => (m.platform ? JSON.stringify(m.platform) : null)),
          parsed.manifests.map((m) => (m.annotations ? JSON.stringify(m.annotations) : null)),
          [...pointed.tags], pointed.tags.map((tag) => !pointed.immutable.has(tag)),
          event.types, event.projects, event.payloads,
        ],
      );
    } catch (error) {
      throw pushRefusal(error, repo, pointed);
    }
  }

  /**
   * The early checks' one statement: touches the referenced blobs back from a GC mark
   * (`touchForReuse`'s update) and the manifest's own blob when it is stored already
   * (`BlobStore.claimUsable`: nothing to write then), and reads, without locks, whether the
   * project is a proxy cache, its quota budget (the ledger's columns, free when it holds the
   * manifest already) and the blobs the manifest names. No row it touches is held past this
   * statement: in the push's transaction those locks would serialise every push sharing a layer.
   * The own blob's touch comes before the refusals: a refused push has then only kept a stored
   * blob from one GC sweep, as any touch does.
   */
  private async readEarly(projectId: number, digest: string, parsed: ParsedManifest): Promise<{ project?: EarlyProject; blobs: FoundBlob[] }> {
    const digests = [...new Set(parsed.blobs.map((b) => b.digest))];
    const rows = await this.sql.queryPrepared<EarlyProject & Partial<FoundBlob>>(
      `WITH touched AS (${BlobStore.TOUCH_FOR_REUSE}), own AS (${BlobStore.claimUsable('$4')})
       SELECT p.name, p.registry_id, ${this.blobs.quotaUsageColumns('p', '$4')},
              (SELECT id FROM own) AS own_id, EXISTS (SELECT 1 FROM blob ob WHERE ob.digest = $4) AS own_found,
              b.digest, b.size, b.status,
              ${BlobStore.linkedToProject('b', 'p')} AS linked
         FROM project p LEFT JOIN blob b ON b.digest = ${BlobStore.anyOf('$1')}
        WHERE p.project_id = $3`,
      [digests, BlobStore.REUSE_TOUCH_INTERVAL_SECONDS, projectId, digest],
    );
    return { project: rows[0], blobs: rows.filter((r): r is EarlyProject & FoundBlob => r.digest != null) };
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

/** The manifest's own blob as the early read claimed it (`BlobStore.storeBytesAfterClaim`). */
interface OwnBlobClaim {
  id: number | null;
  found: boolean;
}

/** The early read's project columns: its kind, its quota (the ledger's columns) and the claim of the manifest's own blob. */
interface EarlyProject extends ProjectKind, QuotaUsage {
  own_id: number | null;
  own_found: boolean;
}

/** The artifact columns of a pushed manifest, as `wharf_manifest_push` takes them. */
function artifactRow(digest: string, parsed: ParsedManifest, body: Buffer) {
  const [, , , , mediaType, artifactType, configMediaType, subject, size, manifest, annotations, type] = artifactValues(0, 0, '', digest, parsed, body);
  return { mediaType, artifactType, configMediaType, subject, size, manifest, annotations, type };
}

/** What `wharf_manifest_push` raised, as the error the push answers with (any other error as it is). */
function pushRefusal(error: unknown, repo: RepositoryName, pointed: PreparedTags): unknown {
  const { code, detail } = error as { code?: string; detail?: string };
  if (!code?.startsWith('W') || !detail) return error;
  const details = JSON.parse(detail) as { digest?: string; tag?: string; size?: number; stored?: number; name?: string };
  switch (code) {
    case 'WP001':
      return proxyProjectRefusal('registry', repo.project)(proxyCacheRefusalMessage(details.name ?? repo.project));
    case 'WB001':
      return new BlobCollectedError(details.digest!);
    case 'WB002':
      return new InvalidError('manifest-reference', 'blob unknown to registry', { details: { digest: details.digest } });
    case 'WB003':
      return new InvalidError('manifest', `descriptor size ${details.size} does not match blob size ${details.stored}`, { details: { digest: details.digest } });
    case 'WR001':
      return new InvalidError('manifest-reference', 'manifest references a manifest unknown to this repository', { details: { digest: details.digest } });
    case 'WI001':
      return immutableTag('registry', pointed.repository, details.tag!, pointed.immutable.get(details.tag!) ?? 0, 'overwritten');
    default:
      return error;
  }
}

/** The blobs not being collected, by digest. */
function usableBlobs(found: FoundBlob[]): Map<string, FoundBlob> {
  return new Map(found.filter((b) => b.status === 'none' || b.status === 'delete').map((b) => [b.digest, b]));
}
