/**
 * The contract between replication's control side (policies, triggers, filters, executions and
 * tasks) and its copy engine (adapters, blob transfer, resume). The control side resolves a policy
 * to a list of ReplicationItems, one task each, and runs each through ArtifactCopier.copy.
 */

/** One side of a copy: this Wharf, or a registry endpoint saved at /api/v2.0/registries. */
export type ReplicationSide = { kind: 'local' } | { kind: 'remote'; registryId: number };

/** One artifact to bring from source to destination (a task). */
export interface ReplicationItem {
  /** `copy` moves the artifact; `delete` (replicate_deletion) removes it from the destination */
  operation: 'copy' | 'delete';
  source: { side: ReplicationSide; repository: string; digest: string; tags: string[] };
  /** the repository path after dest_namespace and dest_namespace_replace_count */
  destination: { side: ReplicationSide; repository: string; tags: string[] };
  /** the policy's `override`: replace a different artifact under the same tag */
  override: boolean;
  /** the policy's `copy_by_chunk` */
  copyByChunk: boolean;
  /** the policy's `speed` in KiB/s; null or 0 means unlimited */
  speedKiBps: number | null;
  /**
   * Only with `delete`: remove just these tags (`source.tags`, rewritten in `destination.tags`) at
   * the destination and leave the artifact (a tag deleted on its own, DELETE_TAG); absent or false:
   * remove the artifact. Added by the control side (additive).
   */
  tagsOnly?: boolean;
}

/** What the copy engine reports while a task runs. */
export interface CopyContext {
  /** dry run: decide and log what would happen, move no byte and change nothing */
  dryRun: boolean;
  /** stop asked (PUT /replication/executions/{id}) or the worker is shutting down */
  signal: AbortSignal;
  /** one line of the task's log (GET .../tasks/{task_id}/log) */
  log(line: string): Promise<void>;
  /**
   * Durable progress of the task (stored on the task row), read back when a worker resumes a task
   * another worker left: the engine records finished blobs here so they are not sent again
   * (the copy engine saves `{ blobs: string[] }`, the digests finished, after each blob).
   */
  progress: {
    load(): Promise<Record<string, unknown>>;
    save(progress: Record<string, unknown>): Promise<void>;
  };
}

export interface CopyOutcome {
  action: 'copied' | 'skipped' | 'deleted' | 'would-copy' | 'would-delete';
  /** why it was skipped ("same digest at destination", "tag holds another artifact and override is off") */
  reason?: string;
  bytesSent: number;
  blobsSent: number;
  blobsSkipped: number;
  blobsMounted: number;
}

export interface ArtifactCopier {
  copy(item: ReplicationItem, context: CopyContext): Promise<CopyOutcome>;
}

/** Nest injection token of the ArtifactCopier implementation. */
export const ARTIFACT_COPIER = Symbol('ARTIFACT_COPIER');

/** A remote repository's artifacts, as the control side lists them to apply a policy's filters. */
export interface RemoteArtifact {
  repository: string;
  digest: string;
  tags: string[];
  mediaType: string;
}

/** Reading the content of a remote registry endpoint (pull-based policies, /registries/{id}/info). */
export interface RemoteCatalog {
  /** repositories under the given namespace patterns (empty: all the endpoint lists) */
  repositories(registryId: number, signal?: AbortSignal): Promise<string[]>;
  artifacts(registryId: number, repository: string, signal?: AbortSignal): Promise<RemoteArtifact[]>;
}

export const REMOTE_CATALOG = Symbol('REMOTE_CATALOG');
