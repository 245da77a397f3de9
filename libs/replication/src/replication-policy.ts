/**
 * A replication policy as Harbor's API has it (`/api/v2.0/replication/policies`): which side the
 * content comes from and goes to (one side is always this Wharf), which artifacts (filters), where
 * they land (destination namespace), when it runs (trigger) and how (override, deletion,
 * speed, chunks, one run at a time).
 */

/** Harbor's vendor type of replication executions. */
export const REPLICATION_VENDOR = 'REPLICATION';

export const TRIGGER_TYPES = ['manual', 'scheduled', 'event_based'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export interface ReplicationTrigger {
  type: TriggerType;
  /** the cron (6 fields, seconds first) of a scheduled trigger; empty otherwise */
  trigger_settings: { cron: string };
}

export const FILTER_TYPES = ['name', 'tag', 'label', 'resource'] as const;
export type FilterType = (typeof FILTER_TYPES)[number];
export type FilterDecoration = 'matches' | 'excludes';

/** `image`: images (and indexes of them) only; `artifact`: any artifact. */
export const RESOURCE_TYPES = ['image', 'artifact'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** One filter: name and tag take a doublestar pattern, label a list of label names, resource a ResourceType. */
export type ReplicationFilter =
  | { type: 'name' | 'tag'; value: string; decoration: FilterDecoration }
  | { type: 'label'; value: string[]; decoration: FilterDecoration }
  | { type: 'resource'; value: ResourceType };

export interface ReplicationPolicy {
  id: number;
  name: string;
  description: string;
  /** the source endpoint; null: this Wharf is the source (push-based) */
  srcRegistryId: number | null;
  /** the destination endpoint; null: this Wharf is the destination (pull-based) */
  destRegistryId: number | null;
  destNamespace: string;
  /** -1 flattens to the last path segment, 0 keeps the path, n drops the n leading segments */
  destNamespaceReplaceCount: number;
  trigger: ReplicationTrigger;
  filters: ReplicationFilter[];
  replicateDeletion: boolean;
  override: boolean;
  enabled: boolean;
  /** KiB/s per task; 0 is unlimited */
  speed: number;
  copyByChunk: boolean;
  singleActiveReplication: boolean;
  creator: string;
  creationTime: Date;
  updateTime: Date;
}

/** What a create or a (whole) update brings, before validation (normalisePolicyInput). */
export interface ReplicationPolicyInput {
  name: string;
  description?: string;
  srcRegistryId?: number | null;
  destRegistryId?: number | null;
  destNamespace?: string;
  destNamespaceReplaceCount?: number | null;
  trigger?: { type?: string; trigger_settings?: { cron?: string } | null } | null;
  filters?: { type?: string; value?: unknown; decoration?: string }[] | null;
  replicateDeletion?: boolean;
  override?: boolean;
  enabled?: boolean;
  speed?: number | null;
  copyByChunk?: boolean | null;
  singleActiveReplication?: boolean | null;
}

/** The validated fields of a policy (what is stored). */
export type PolicyFields = Omit<ReplicationPolicy, 'id' | 'creator' | 'creationTime' | 'updateTime'>;

/** Push-based: this Wharf is the source. */
export const isPushBased = (policy: Pick<ReplicationPolicy, 'srcRegistryId'>): boolean => policy.srcRegistryId === null;
