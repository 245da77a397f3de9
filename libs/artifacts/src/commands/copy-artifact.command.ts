import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError } from '@wharf/errors';
import { EventOutbox, EventType } from '@wharf/events';
import { BlobStore, isDigest, parseManifest, parseRepositoryName, type BlobInfo } from '@wharf/registry-core';
import { ACCESSORY_OF, artifactClosure } from '../artifact-closure';
import { linkArtifactBlobs, linkChildren, upsertArtifact, upsertRepository } from '../artifact-rows';
import { ManifestCache } from '../manifest-cache';
import { lockWritableProject } from '../proxy-cache-writes';
import { ArtifactQueries } from '../queries/artifact-queries';
import { proxyProjectRefusal } from './refusals';
import { TagWriter } from './tag-writer';

/** Where a copy comes from: `<project>/<repository>@<digest>` or `...:<tag>`. */
export interface ArtifactSource {
  project: string;
  repository: string;
  reference: string;
}

/**
 * Copies an artifact (an index with its children, and its accessories) into another repository,
 * possibly of another project, without moving bytes: the manifests stored with the source become
 * rows of the destination exactly as a push writes them (artifact-rows), the tag when copied by
 * tag; artifact_blob rows are keyed by digest and stay; the destination project is linked to every
 * blob and charged for those new to it (403 beyond its quota, nothing copied). Never into a
 * proxy-cache project (403).
 */
@Injectable()
export class CopyArtifactCommand {
  constructor(
    private readonly sql: SqlClient,
    private readonly blobs: BlobStore,
    private readonly queries: ArtifactQueries,
    private readonly tags: TagWriter,
    private readonly outbox: EventOutbox,
    private readonly cache: ManifestCache,
  ) {}

  async copy(source: ArtifactSource, destination: { projectId: number; repository: string }, operator = ''): Promise<{ digest: string; tag?: string }> {
    let repositoryName;
    try {
      repositoryName = parseRepositoryName(destination.repository);
    } catch (error) {
      if (error instanceof InvalidError) throw new InvalidError('name', `${error.message}: ${destination.repository}`);
      throw error;
    }
    // before anything is touched: a refused copy changes nothing
    await lockWritableProject(this.sql, destination.projectId, proxyProjectRefusal('management'));
    const sourceName = `${source.project}/${source.repository}`;
    const repo = await this.sql.query<{ id: number }>(`SELECT repository_id AS id FROM repository WHERE name = $1`, [sourceName]);
    const artifact = repo[0] && (await this.queries.find(this.sql, repo[0].id, source.reference));
    if (!artifact) throw new NotFoundError('artifact', `artifact ${sourceName}${isDigest(source.reference) ? '@' : ':'}${source.reference} not found`);
    const members = await artifactClosure(this.sql, artifact, 'all');
    const tree = await this.sql.query<{ id: number; digest: string; media_type: string; manifest: Buffer; accessory: boolean; tags: string[] }>(
      `SELECT a.id, a.digest, a.media_type, a.manifest,
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
    // the tags of accessories (older cosign clients link signatures by tag only), then the tag asked for
    const accessoryTags = await Promise.all(tree.filter((m) => m.accessory).map(async (a) => ({ id: a.id, tags: await this.tags.prepare(repositoryName.name, a.tags) })));
    const askedTag = tag === undefined ? undefined : await this.tags.prepare(repositoryName.name, [tag]);
    await this.sql.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM project WHERE project_id = $1 FOR KEY SHARE`, [destination.projectId]);
      const blobs = await tx.query<BlobInfo & { status: string; held: boolean }>(
        `SELECT b.id, b.digest, b.size, b.content_type AS "contentType", b.status,
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
      const repositoryId = await upsertRepository(tx, destination.projectId, repositoryName.name);
      const copies = new Map<number, { id: number; parsed: ReturnType<typeof parseManifest> }>();
      for (const a of tree) {
        const parsed = parseManifest(a.manifest, a.media_type);
        const id = await upsertArtifact(tx, destination.projectId, repositoryId, repositoryName.name, a.digest, parsed, a.manifest);
        await linkArtifactBlobs(tx, a.digest, parsed);
        copies.set(a.id, { id, parsed });
      }
      // every artifact first, then the index -> child rows: an index may be older than its children (a proxy cache stores it first)
      for (const copy of copies.values()) await linkChildren(tx, repositoryId, copy.id, copy.parsed, 'present');
      for (const a of accessoryTags) await this.tags.point(tx, repositoryId, copies.get(a.id)!.id, a.tags, 'management');
      if (askedTag) await this.tags.point(tx, repositoryId, copies.get(artifact.id)!.id, askedTag, 'management');
      await this.outbox.write(tx, [
        { type: EventType.PushArtifact, data: { repository: repositoryName.name, digest: artifact.digest, tags: tag ? [tag] : [], mediaType: artifact.manifest_media_type, operator } },
      ]);
    });
    await this.cache.invalidate(repositoryName.name);
    return { digest: artifact.digest, tag };
  }
}
