/**
 * Answer shapes of the administration endpoints, as the api's DTOs write them (the OpenAPI document
 * types requests, not answers). Each names the DTO or lib type it mirrors.
 */

/** registries/registry.dto.ts RegistryResponse */
export interface RegistryEndpoint {
  id: number;
  name: string;
  description: string;
  type: string;
  url: string;
  insecure: boolean;
  credential: { type: 'basic' | 'oauth'; access_key: string; access_secret: string } | null;
  status: 'healthy' | 'unhealthy' | 'unknown';
  status_message: string;
  last_checked: string | null;
  creation_time: string;
  update_time: string;
}

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
export interface ReplicationExecution {
  id: number;
  policy_id: number;
  status: 'InProgress' | 'Succeed' | 'Failed' | 'Stopped';
  trigger: string;
  start_time: string;
  end_time: string | null;
  status_text: string;
  total: number;
  failed: number;
  succeed: number;
  in_progress: number;
  stopped: number;
  dry_run: boolean;
}

/** replication/replication.dto.ts ReplicationTaskResponse */
export interface ReplicationTask {
  id: number;
  execution_id: number;
  status: 'Pending' | 'InProgress' | 'Succeed' | 'Failed' | 'Stopped';
  operation: string;
  resource_type: string;
  src_resource: string;
  dst_resource: string;
  start_time: string | null;
  end_time: string | null;
  status_message: string;
}

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
export interface Scanner {
  uuid: string;
  name: string;
  description: string;
  url: string;
  disabled: boolean;
  is_default: boolean;
  auth: string;
  skip_certVerify: boolean;
  use_internal_addr: boolean;
  create_time: string;
  update_time: string;
  adapter?: string;
  vendor?: string;
  version?: string;
  health: string;
}

/** libs/scanning adapter-client.ts AdapterMetadata */
export interface ScannerMetadata {
  scanner: { name: string; vendor: string; version: string };
  capabilities: { type: string; consumes_mime_types: string[]; produces_mime_types: string[] }[];
  properties: Record<string, string>;
}

/** scanners/scan.dto.ts ScanAllMetricsResponse */
export interface ScanAllMetrics {
  total: number;
  completed: number;
  metrics: Record<string, number>;
  requester?: string;
  ongoing: boolean;
  trigger?: string;
}

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
export interface CveAllowlist {
  items: { cve_id: string }[];
  expires_at: number | null;
}

/** audit-logs/audit-log.dto.ts AuditLogResponse */
export interface AuditLog {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
  client_ip?: string;
}
