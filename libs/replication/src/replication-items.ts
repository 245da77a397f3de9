import type { ReplicationItem, ReplicationSide } from './replication-copy';
import { destinationRepository } from './replication-filters';
import type { ReplicationPolicy } from './replication-policy';

/** What a task of a replication execution holds (its extra_attrs): Harbor's task fields and the item it runs. */
export interface ReplicationTaskAttributes {
  operation: 'copy' | 'deletion';
  resource_type: 'image' | 'artifact';
  src_resource: string;
  dst_resource: string;
  dry_run: boolean;
  item: ReplicationItem;
  /** set when the task was refused before it could run (its status is Error, the reason in its log) */
  refused?: string;
}

/** What the resolution chose of an artifact, before its destination is worked out. */
export interface ChosenArtifact {
  repository: string;
  digest: string;
  tags: string[];
  isImage: boolean;
}

export const sidesOf = (policy: ReplicationPolicy): { source: ReplicationSide; destination: ReplicationSide } => ({
  source: policy.srcRegistryId === null ? { kind: 'local' } : { kind: 'remote', registryId: policy.srcRegistryId },
  destination: policy.destRegistryId === null ? { kind: 'local' } : { kind: 'remote', registryId: policy.destRegistryId },
});

/**
 * The item of one chosen artifact under the policy: its destination repository rewritten by the
 * destination namespace (throws InvalidError when the replace count does not fit the path).
 */
export function itemOf(policy: ReplicationPolicy, artifact: ChosenArtifact, operation: 'copy' | 'delete', tagsOnly = false): ReplicationItem {
  const { source, destination } = sidesOf(policy);
  const item: ReplicationItem = {
    operation,
    source: { side: source, repository: artifact.repository, digest: artifact.digest, tags: artifact.tags },
    destination: { side: destination, repository: destinationRepository(artifact.repository, policy.destNamespace, policy.destNamespaceReplaceCount), tags: artifact.tags },
    override: policy.override,
    copyByChunk: policy.copyByChunk,
    speedKiBps: policy.speed || null,
  };
  if (tagsOnly) item.tagsOnly = true;
  return item;
}

/** Harbor's resource names: `repo:[t1,t2]`, or `repo@digest` for an untagged artifact. */
export function resourceName(repository: string, digest: string, tags: string[]): string {
  return tags.length ? `${repository}:[${tags.join(',')}]` : `${repository}@${digest}`;
}

export function taskAttributesOf(item: ReplicationItem, isImage: boolean, dryRun: boolean): ReplicationTaskAttributes {
  return {
    operation: item.operation === 'copy' ? 'copy' : 'deletion',
    resource_type: isImage ? 'image' : 'artifact',
    src_resource: resourceName(item.source.repository, item.source.digest, item.source.tags),
    dst_resource: resourceName(item.destination.repository, item.source.digest, item.destination.tags),
    dry_run: dryRun,
    item,
  };
}

/** Media types of image manifests and indexes: what a remote artifact is judged an image by. */
const IMAGE_MEDIA_TYPES = new Set([
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
]);

export const isImageMediaType = (mediaType: string): boolean => IMAGE_MEDIA_TYPES.has(mediaType);
