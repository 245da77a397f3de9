/**
 * Answer shapes of the administration endpoints. Where the api's OpenAPI document describes an
 * answer exactly, the type is its schema (schema.d.ts, generated, so it cannot drift). The rest are
 * kept by hand, each naming the DTO or lib type it mirrors, because the document is looser than
 * the page needs: plain strings where the page switches on a union (preheat vendors and auth
 * modes, replication triggers, configuration choices), untyped nested objects (replication
 * filters and registries, GC progress).
 */
import type { components } from '../../api/schema';

type Schemas = components['schemas'];

/** registries/registry.dto.ts RegistryResponse */
export type RegistryEndpoint = Schemas['RegistryResponse'];

/** libs/replication replication-policy.ts ReplicationFilter */
export type ReplicationFilter =
  | { type: 'name' | 'tag'; value: string; decoration?: 'matches' | 'excludes' }
  | { type: 'label'; value: string[]; decoration?: 'matches' | 'excludes' }
  | { type: 'resource'; value: 'image' | 'artifact' };

export type TriggerType = 'manual' | 'scheduled' | 'event_based';

/** replication/replication.dto.ts ReplicationPolicyResponse (id 0 on a side is this Wharf) */
export interface ReplicationPolicy {
  id: number;
  name: string;
  description: string;
  src_registry: { id: number; name: string; url?: string };
  dest_registry: { id: number; name: string; url?: string };
  dest_namespace: string;
  dest_namespace_replace_count: number;
  trigger: { type: TriggerType; trigger_settings: { cron: string } };
  filters: ReplicationFilter[];
  replicate_deletion: boolean;
  override: boolean;
  enabled: boolean;
  speed: number;
  copy_by_chunk: boolean;
  single_active_replication: boolean;
  creation_time: string;
  update_time: string;
}

/** replication/replication.dto.ts ReplicationExecutionResponse */
export type ReplicationExecution = Schemas['ReplicationExecutionResponse'];

/** replication/replication.dto.ts ReplicationTaskResponse */
export type ReplicationTask = Schemas['ReplicationTaskResponse'];

/** libs/preheat preheat-instance.ts PreheatInstance */
export interface PreheatInstance {
  id: number;
  name: string;
  description: string;
  vendor: 'dragonfly' | 'kraken';
  api_version: string;
  endpoint: string;
  auth_mode: 'NONE' | 'BASIC' | 'OAUTH' | 'CUSTOM';
  auth_info: Record<string, string>;
  status: 'Healthy' | 'Unhealthy' | 'Unknown';
  status_message: string;
  enabled: boolean;
  default: boolean;
  insecure: boolean;
  setup_timestamp: number;
  last_checked: string | null;
}

/** libs/preheat provider-factory.ts ProviderMetadata */
export interface PreheatProvider {
  id: 'dragonfly' | 'kraken';
  name: string;
  version: string;
  source: string;
  auth_mode: PreheatInstance['auth_mode'][];
  api_versions?: string[];
}

/** scanners/scanner.dto.ts ScannerResponse */
export type Scanner = Schemas['ScannerResponse'];

/** libs/scanning adapter-client.ts AdapterMetadata */
export interface ScannerMetadata {
  scanner: { name: string; vendor: string; version: string };
  capabilities: { type: string; consumes_mime_types: string[]; produces_mime_types: string[] }[];
  properties: Record<string, string>;
}

/** scanners/scan.dto.ts ScanAllMetricsResponse */
export type ScanAllMetrics = Schemas['ScanAllMetricsResponse'];

export type ScheduleType = 'None' | 'Hourly' | 'Daily' | 'Weekly' | 'Custom';

/** GET /system/gc/schedule and /system/scanAll/schedule */
export interface ScheduleAnswer {
  schedule: { type: ScheduleType; cron: string; next_scheduled_time?: string };
  parameters?: Partial<GcParameters>;
}

export interface GcParameters {
  delete_untagged: boolean;
  dry_run: boolean;
  workers: number;
}

/** gc/gc.dto.ts GcHistoryResponse; progress is libs/gc GcProgress */
export interface GcRun {
  id: number;
  job_kind: string;
  job_parameters: string;
  job_status: 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';
  status_message: string;
  progress: Partial<{ phase: string; dry_run: boolean; candidates: number; candidate_bytes: number; blobs_deleted: number; manifests_deleted: number; bytes_freed: number; untagged_artifacts: number }>;
  creation_time: string;
  update_time: string;
  start_time: string;
  end_time: string | null;
}

interface ConfigurationItem<T> {
  value: T;
  editable: boolean;
}

/** projects/configuration.dto.ts ConfigurationsResponse */
export interface Configurations {
  storage_per_project: ConfigurationItem<number>;
  webhook_allow_local_network: ConfigurationItem<boolean>;
  project_creation_restriction: ConfigurationItem<'everyone' | 'adminonly'>;
  banner_message: ConfigurationItem<string>;
  read_only: ConfigurationItem<boolean>;
  token_expiration: ConfigurationItem<number>;
}

/** libs/scanning CveAllowlist */
export type CveAllowlist = Schemas['CveAllowlistResponse'];

/** audit-logs/audit-log.dto.ts AuditLogResponse */
export type AuditLog = Schemas['AuditLogResponse'];
