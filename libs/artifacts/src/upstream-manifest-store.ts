import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { InvalidError, UnavailableError } from '@wharf/errors';
import { BlobCollectedError, BlobStore, digestOf, isValidTag, parseDigest, parseManifest, type RepositoryName } from '@wharf/registry-core';
import { linkArtifactBlobs, linkChildren, linkToParents, pointTag, upsertArtifact, upsertRepository } from './artifact-rows';
import { ManifestCache } from './manifest-cache';
import type { StoredManifest } from './stored-manifest';

const STORE_ATTEMPTS = 3;

/**
 * Stores a manifest a proxy-cache project received from its upstream, byte for byte (so the
 * digest clients see is the upstream's). Unlike a client push, the layers are not here yet
 * (they are fetched when first pulled) and an index arrives before its children (linked as
 * they arrive); the manifest's own blob is stored, linked and charged to the project as usual.
 * No push event: nobody pushed.
 */
@Injectable()
export class UpstreamManifestStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly blobs: BlobStore,
    private readonly cache: ManifestCache,
  ) {}

  /** `tag`: the tag the upstream serves it under, moved here too; `expectedDigest`: what the upstream announced. */
  async store(repo: RepositoryName, projectId: number, tag: string | null, body: Buffer, mediaType: string, expectedDigest?: string): Promise<StoredManifest> {
    if (tag !== null && !isValidTag(tag)) throw new InvalidError('tag', 'invalid tag', { details: { tag } });
    const parsed = parseManifest(body, mediaType);
    const digest = digestOf(body, expectedDigest ? parseDigest(expectedDigest).algorithm : undefined);
    if (expectedDigest && digest !== expectedDigest) {
      throw new InvalidError('manifest', 'the upstream sent a manifest whose digest does not match', { details: { expected: expectedDigest, actual: digest } });
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        const stored = await this.write(repo, projectId, tag, digest, body, parsed);
        await this.cache.invalidate(repo.name);
        return stored;
      } catch (error) {
        if (!(error instanceof BlobCollectedError)) throw error;
        if (attempt === STORE_ATTEMPTS) throw new UnavailableError('the manifest was garbage collected while it was cached; pull again', { details: { digest } });
      }
    }
  }

  /** Points `tag` at an artifact the repository already holds (the upstream moved the tag back to content cached earlier). */
  async moveTag(repositoryName: string, tag: string, digest: string): Promise<boolean> {
    const rows = await this.sql.query(
      `INSERT INTO tag (repository_id, artifact_id, name)
       SELECT a.repository_id, a.id, $3 FROM artifact a JOIN repository r ON r.repository_id = a.repository_id WHERE r.name = $1 AND a.digest = $2
       ON CONFLICT (repository_id, name) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, push_time = now()
       RETURNING id`,
      [repositoryName, digest, tag],
    );
    if (rows.length > 0) await this.cache.invalidate(repositoryName);
    return rows.length > 0;
  }

  private async write(repo: RepositoryName, projectId: number, tag: string | null, digest: string, body: Buffer, parsed: ReturnType<typeof parseManifest>): Promise<StoredManifest> {
    const parsedDigest = parseDigest(digest);
    const existingId = await this.blobs.storeBytes(parsedDigest, body);
    const manifestBlob = await this.blobs.record(parsedDigest, body.length, parsed.mediaType, existingId);
    return this.sql.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM project WHERE project_id = $1 FOR KEY SHARE`, [projectId]);
      // the proxy caches on its own behalf (one fetch serves every concurrent pull): no operator
      await this.blobs.linkToProject(projectId, manifestBlob, tx, { repository: repo.name, digest, operator: '' });
      const repositoryId = await upsertRepository(tx, projectId, repo.name);
      const artifactId = await upsertArtifact(tx, projectId, repositoryId, repo.name, digest, parsed, body);
      await linkChildren(tx, repositoryId, artifactId, parsed, 'present');
      await linkToParents(tx, repositoryId, artifactId, digest);
      await linkArtifactBlobs(tx, digest, parsed);
      const tagId = tag === null ? null : await pointTag(tx, repositoryId, artifactId, tag);
      return { artifactId, tagId, digest, mediaType: parsed.mediaType, size: body.length, body };
    });
  }
}
