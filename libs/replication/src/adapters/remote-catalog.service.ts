import { Injectable } from '@nestjs/common';
import type { RemoteArtifact, RemoteCatalog } from '../replication-copy';
import { HarborAdapter } from './harbor.adapter';
import { ReplicationRegistries } from './replication-registries';

/**
 * A remote endpoint's content for pull-based policies: repositories from `/v2/_catalog` (Harbor's
 * API for harbor endpoints), artifacts from the tag list with a manifest HEAD per tag, grouped by
 * digest (Harbor's artifact listing for harbor endpoints: one paged request instead).
 */
@Injectable()
export class RemoteCatalogService implements RemoteCatalog {
  constructor(private readonly registries: ReplicationRegistries) {}

  async repositories(registryId: number, signal?: AbortSignal): Promise<string[]> {
    return (await this.registries.adapter(registryId)).repositories(signal);
  }

  async artifacts(registryId: number, repository: string, signal?: AbortSignal): Promise<RemoteArtifact[]> {
    const adapter = await this.registries.adapter(registryId);
    if (adapter instanceof HarborAdapter) return adapter.artifacts(repository, signal);
    const tags = (await adapter.listTags(repository, { signal })) ?? [];
    const byDigest = new Map<string, RemoteArtifact>();
    for (const tag of tags) {
      const head = await adapter.headManifest(repository, tag, { signal });
      if (!head) continue;
      const artifact = byDigest.get(head.digest) ?? { repository, digest: head.digest, tags: [], mediaType: head.mediaType };
      artifact.tags.push(tag);
      byDigest.set(head.digest, artifact);
    }
    return [...byDigest.values()];
  }
}
