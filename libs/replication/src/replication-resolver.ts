import { Inject, Injectable } from '@nestjs/common';
import { ArtifactQueries, ArtifactType } from '@wharf/artifacts';
import { DomainError } from '@wharf/errors';
import { REMOTE_CATALOG, type RemoteCatalog } from './replication-copy';
import { applyFilters, repositoryPasses } from './replication-filters';
import { isImageMediaType, itemOf, type ChosenArtifact } from './replication-items';
import type { ReplicationPolicy } from './replication-policy';
import type { ReplicationItem } from './replication-copy';

const PAGE = 500;

/** One artifact the policy chose: its item, or why it cannot be replicated (a task that fails with that reason). */
export type Resolved = { item: ReplicationItem; isImage: boolean; refused?: undefined } | { item: ReplicationItem; isImage: boolean; refused: string };

/**
 * Resolves a policy to the artifacts it replicates now: push-based, this Wharf's top-level
 * artifacts (accessories and index children travel with their subject or index); pull-based, what
 * the remote catalog lists. Name, tag, label and resource filters choose them (a tag filter keeps
 * only the matching tags); the destination namespace rewrites their repository.
 */
@Injectable()
export class ReplicationResolver {
  constructor(
    private readonly artifacts: ArtifactQueries,
    // the copy engine's catalog of remote registries (ReplicationCopyModule)
    @Inject(REMOTE_CATALOG) private readonly catalog: RemoteCatalog,
  ) {}

  async resolve(policy: ReplicationPolicy, signal?: AbortSignal): Promise<Resolved[]> {
    const chosen = policy.srcRegistryId === null ? await this.local(policy) : await this.remote(policy, policy.srcRegistryId, signal);
    return chosen.map((artifact) => resolvedOf(policy, artifact, 'copy'));
  }

  private async local(policy: ReplicationPolicy): Promise<ChosenArtifact[]> {
    const chosen: ChosenArtifact[] = [];
    for (let afterId = 0; ; ) {
      const page = await this.artifacts.replicationCandidates(afterId, PAGE);
      for (const candidate of page) {
        const isImage = candidate.type === ArtifactType.Image;
        const verdict = applyFilters(policy.filters, { repository: candidate.repository_name, tags: candidate.tags, labels: candidate.labels, isImage });
        if (verdict.pass) chosen.push({ repository: candidate.repository_name, digest: candidate.digest, tags: verdict.tags, isImage });
      }
      if (page.length < PAGE) return chosen;
      afterId = page[page.length - 1].id;
    }
  }

  private async remote(policy: ReplicationPolicy, registryId: number, signal?: AbortSignal): Promise<ChosenArtifact[]> {
    const chosen: ChosenArtifact[] = [];
    for (const repository of await this.catalog.repositories(registryId, signal)) {
      if (!repositoryPasses(policy.filters, repository)) continue;
      for (const artifact of await this.catalog.artifacts(registryId, repository, signal)) {
        const isImage = isImageMediaType(artifact.mediaType);
        const verdict = applyFilters(policy.filters, { repository, tags: artifact.tags, labels: null, isImage });
        if (verdict.pass) chosen.push({ repository, digest: artifact.digest, tags: verdict.tags, isImage });
      }
    }
    return chosen;
  }
}

/** The item of a chosen artifact, or the reason it has none (a replace count its path cannot take). */
export function resolvedOf(policy: ReplicationPolicy, artifact: ChosenArtifact, operation: 'copy' | 'delete', tagsOnly = false): Resolved {
  try {
    return { item: itemOf(policy, artifact, operation, tagsOnly), isImage: artifact.isImage };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // an item that keeps its source path, so the task still names what it was about
    const kept = itemOf({ ...policy, destNamespace: '' }, artifact, operation, tagsOnly);
    return { item: kept, isImage: artifact.isImage, refused: error.message };
  }
}
