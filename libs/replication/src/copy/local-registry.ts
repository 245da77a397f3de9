import { Injectable } from '@nestjs/common';
import { ArtifactQueries, DeleteArtifactCommand, ManifestQueries, StoreManifestCommand, TagCommands, type ArtifactRecord } from '@wharf/artifacts';
import { SqlClient } from '@wharf/db';
import { DeniedError, DomainError, NotFoundError } from '@wharf/errors';
import { BlobStore, parseRepositoryName, type QuotaContext } from '@wharf/registry-core';
import type { Accessory, BlobContent, BlobTransfer, DestinationSide, ManifestContent, SourceSide } from './copy-sides';

/** The operator replication's changes name in events and audit entries. */
export const REPLICATION_OPERATOR = 'replication';

/**
 * This Wharf as either end of a copy. As a source: manifests through ManifestQueries, blobs
 * streamed from the BlobStore (only those the repository's project holds), accessories through
 * ArtifactQueries. As a destination (pull-based): blobs through the BlobStore, which charges the
 * project's quota through the QUOTA_LEDGER port; manifests, tags and deletes through the artifact
 * commands, so immutability, proxy-project and quota rules hold as for any push.
 */
@Injectable()
export class LocalRegistry implements SourceSide, DestinationSide {
  readonly label = 'local';
  readonly deletesTagsAlone = true;

  constructor(
    private readonly sql: SqlClient,
    private readonly blobs: BlobStore,
    private readonly manifests: ManifestQueries,
    private readonly artifacts: ArtifactQueries,
    private readonly store: StoreManifestCommand,
    private readonly deletes: DeleteArtifactCommand,
    private readonly tags: TagCommands,
  ) {}

  async manifest(repository: string, reference: string): Promise<ManifestContent | null> {
    const found = await this.find(repository, reference);
    return found && { digest: found.digest, mediaType: found.mediaType, body: found.body };
  }

  async headManifest(repository: string, reference: string): Promise<{ digest: string } | null> {
    const found = await this.find(repository, reference);
    return found && { digest: found.digest };
  }

  async openBlob(repository: string, digest: string): Promise<BlobContent | null> {
    const blob = await this.blobs.findInProject(parseRepositoryName(repository).project, digest);
    if (!blob) return null;
    return { stream: await this.blobs.read(digest), size: blob.size };
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    return (await this.blobs.findInProject(parseRepositoryName(repository).project, digest)) !== null;
  }

  async accessories(repository: string, digest: string): Promise<Accessory[]> {
    const subject = await this.find(repository, digest);
    if (!subject) return [];
    const found = (await this.artifacts.accessoriesOf([{ id: subject.artifactId } as ArtifactRecord])).get(subject.artifactId) ?? [];
    const tags = await this.artifacts.tagsOf(found.map((a) => a.id));
    return found.map((a) => ({ digest: a.digest, tags: (tags.get(a.id) ?? []).map((t) => t.name) }));
  }

  /**
   * A blob stored here for another project is linked rather than sent again, but only once the
   * source has confirmed it holds that blob (as a proxy cache does): knowing a digest is never
   * enough to gain its content.
   */
  async reuseBlob(repository: string, digest: string, source: SourceSide, sourceRepository: string, signal: AbortSignal): Promise<boolean> {
    if (!(await this.blobs.isStored(digest))) return false;
    if (!(await source.hasBlob(sourceRepository, digest, signal))) return false;
    const projectId = await this.projectId(repository);
    return (await this.blobs.adopt(projectId, digest, this.quotaContext(repository))) !== null;
  }

  async putBlob(repository: string, transfer: BlobTransfer): Promise<void> {
    const projectId = await this.projectId(repository);
    const body = await transfer.open();
    try {
      await this.blobs.putVerified(projectId, transfer.digest, body, this.quotaContext(repository), transfer.size);
    } finally {
      body.destroy();
    }
  }

  async putManifest(repository: string, manifest: ManifestContent, tags: string[]): Promise<void> {
    const repo = parseRepositoryName(repository);
    await this.store.push(repo, await this.projectId(repository), manifest.digest, manifest.body, manifest.mediaType, tags, REPLICATION_OPERATOR);
  }

  async deleteArtifact(repository: string, digest: string): Promise<boolean> {
    return notFoundIsFalse(this.deletes.delete(repository, digest, 'management', REPLICATION_OPERATOR));
  }

  async deleteTag(repository: string, _digest: string, tag: string): Promise<boolean> {
    return notFoundIsFalse(this.tags.untag(repository, tag, REPLICATION_OPERATOR));
  }

  private async find(repository: string, reference: string) {
    try {
      return await this.manifests.find(repository, reference, false);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  /**
   * The project a write goes to. A proxy-cache project is refused before any blob is stored
   * (the manifest's command would refuse it anyway, but only after the blobs were linked and charged).
   */
  private async projectId(repository: string): Promise<number> {
    const project = parseRepositoryName(repository).project;
    const rows = await this.sql.query<{ project_id: number; registry_id: number | null }>(`SELECT project_id, registry_id FROM project WHERE name = $1`, [project]);
    if (!rows[0]) throw new NotFoundError('project', `project ${project} does not exist in this registry; create it before replicating into it`);
    if (rows[0].registry_id !== null) throw new DeniedError(`project ${project} is a proxy cache: replication cannot write into it; use a regular project instead`);
    return rows[0].project_id;
  }

  private quotaContext(repository: string): QuotaContext {
    return { repository, operator: REPLICATION_OPERATOR };
  }
}

async function notFoundIsFalse(work: Promise<unknown>): Promise<boolean> {
  try {
    await work;
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'not-found') return false;
    throw error;
  }
}
