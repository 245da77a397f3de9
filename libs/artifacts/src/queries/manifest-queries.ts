import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { PullEventBuffer } from '@wharf/events';
import { NotFoundError } from '@wharf/errors';
import { isDigest, isValidTag } from '@wharf/registry-core';
import { ManifestCache } from '../manifest-cache';
import { PullTimeRecorder } from '../pull-time-recorder';
import type { StoredManifest } from '../stored-manifest';

/**
 * Manifests as /v2 serves them: from the Redis manifest cache, or one indexed query whose answer
 * is then cached. A pull's time and event are recorded off the hot path.
 */
@Injectable()
export class ManifestQueries {
  constructor(
    private readonly sql: SqlClient,
    private readonly pulls: PullTimeRecorder,
    private readonly cache: ManifestCache,
    private readonly pullEvents: PullEventBuffer,
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
        ? `SELECT a.id AS "artifactId", NULL AS "tagId", a.digest, a.media_type AS "mediaType", a.size, a.manifest AS body
             FROM artifact a JOIN repository r ON r.repository_id = a.repository_id
            WHERE r.name = $1 AND a.digest = $2`
        : `SELECT a.id AS "artifactId", t.id AS "tagId", a.digest, a.media_type AS "mediaType", a.size, a.manifest AS body
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
}

const byDigestOrTag = (reference: string): string[] => (isDigest(reference) ? [] : [reference]);
