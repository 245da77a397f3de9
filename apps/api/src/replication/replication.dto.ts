import { Type } from 'class-transformer';
import { Allow, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import type { ExecutionRecord, TaskRecord } from '@wharf/jobs';
import type { FilterStyle, RegistryInfo, ReplicationFilter, ReplicationPolicy, ReplicationPolicyInput, ReplicationTaskAttributes } from '@wharf/replication';
import type { RegistryType } from '@wharf/registries';
import { PageQuery } from '../management/pagination';
import type { RegistryResponse } from '../registries/registry.dto';

/** `{id}` of a registry in a policy; other Registry fields clients echo back are accepted and ignored. */
export class PolicyRegistryRef {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  id: number;

  @Allow()
  name?: unknown;
  @Allow()
  type?: unknown;
  @Allow()
  url?: unknown;
  @Allow()
  description?: unknown;
  @Allow()
  insecure?: unknown;
  @Allow()
  credential?: unknown;
  @Allow()
  status?: unknown;
  @Allow()
  creation_time?: unknown;
  @Allow()
  update_time?: unknown;
  @Allow()
  ca_certificate?: unknown;
}

export class TriggerSettingsRequest {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  cron?: string;
}

export class TriggerRequest {
  @IsOptional()
  @IsString()
  type?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => TriggerSettingsRequest)
  trigger_settings?: TriggerSettingsRequest | null;
}

export class FilterRequest {
  @IsString()
  type: string;

  /** a pattern (name, tag), a resource type, or a list of label names; checked by the service */
  @Allow()
  value?: unknown;

  @IsOptional()
  @IsString()
  decoration?: string;
}

/** Harbor's ReplicationPolicy, as POST and PUT take it (PUT sends it whole). */
export class ReplicationPolicyRequest {
  @IsString()
  @Length(1, 255)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => PolicyRegistryRef)
  src_registry?: PolicyRegistryRef | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => PolicyRegistryRef)
  dest_registry?: PolicyRegistryRef | null;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  dest_namespace?: string;

  @IsOptional()
  @IsInt()
  @Min(-1)
  @Max(127)
  dest_namespace_replace_count?: number | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => TriggerRequest)
  trigger?: TriggerRequest | null;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FilterRequest)
  filters?: FilterRequest[] | null;

  @IsOptional()
  @IsBoolean()
  replicate_deletion?: boolean;

  /** Harbor's deprecated name of replicate_deletion */
  @IsOptional()
  @IsBoolean()
  deletion?: boolean;

  @IsOptional()
  @IsBoolean()
  override?: boolean;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** KiB/s per task; 0 or negative: unlimited */
  @IsOptional()
  @IsInt()
  speed?: number | null;

  @IsOptional()
  @IsBoolean()
  copy_by_chunk?: boolean | null;

  @IsOptional()
  @IsBoolean()
  single_active_replication?: boolean | null;

  @IsOptional()
  @IsInt()
  id?: number;
  @IsOptional()
  @IsString()
  creation_time?: string;
  @IsOptional()
  @IsString()
  update_time?: string;
}

export function toPolicyInput(request: ReplicationPolicyRequest): ReplicationPolicyInput {
  return {
    name: request.name,
    description: request.description,
    srcRegistryId: request.src_registry?.id || null,
    destRegistryId: request.dest_registry?.id || null,
    destNamespace: request.dest_namespace,
    destNamespaceReplaceCount: request.dest_namespace_replace_count,
    trigger: request.trigger,
    filters: request.filters,
    replicateDeletion: request.replicate_deletion ?? request.deletion,
    override: request.override,
    enabled: request.enabled,
    speed: request.speed,
    copyByChunk: request.copy_by_chunk,
    singleActiveReplication: request.single_active_replication,
  };
}

export class PolicyIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  id: number;
}

export class PolicyListQuery extends PageQuery {
  /** Harbor's older `name` parameter (a substring); `q=name=~x` works too */
  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  sort?: string;
}

/** This Wharf, as a policy's local side shows it (Harbor shows its own registry with id 0). */
export class LocalRegistryResponse {
  id!: 0;
  name!: 'Local';
  type!: 'harbor';
  description!: string;
}

export class ReplicationPolicyResponse {
  id!: number;
  name!: string;
  description!: string;
  src_registry!: RegistryResponse | LocalRegistryResponse;
  dest_registry!: RegistryResponse | LocalRegistryResponse;
  dest_namespace!: string;
  dest_namespace_replace_count!: number;
  trigger!: { type: string; trigger_settings: { cron: string } };
  filters!: ReplicationFilter[];
  replicate_deletion!: boolean;
  deletion!: boolean;
  override!: boolean;
  enabled!: boolean;
  speed!: number;
  copy_by_chunk!: boolean;
  single_active_replication!: boolean;
  creation_time!: Date;
  update_time!: Date;
}

export const LOCAL_REGISTRY: LocalRegistryResponse = { id: 0, name: 'Local', type: 'harbor', description: 'this Wharf' };

export function toPolicyResponse(policy: ReplicationPolicy, registries: Map<number, RegistryResponse>): ReplicationPolicyResponse {
  const side = (id: number | null) => (id === null ? LOCAL_REGISTRY : registries.get(id)!);
  return {
    id: policy.id,
    name: policy.name,
    description: policy.description,
    src_registry: side(policy.srcRegistryId),
    dest_registry: side(policy.destRegistryId),
    dest_namespace: policy.destNamespace,
    dest_namespace_replace_count: policy.destNamespaceReplaceCount,
    trigger: policy.trigger,
    filters: policy.filters,
    replicate_deletion: policy.replicateDeletion,
    deletion: policy.replicateDeletion,
    override: policy.override,
    enabled: policy.enabled,
    speed: policy.speed,
    copy_by_chunk: policy.copyByChunk,
    single_active_replication: policy.singleActiveReplication,
    creation_time: policy.creationTime,
    update_time: policy.updateTime,
  };
}

/** POST /replication/executions; `dry_run` is Wharf's addition. */
export class StartExecutionRequest {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  policy_id: number;

  @IsOptional()
  @IsBoolean()
  dry_run?: boolean;
}

export const EXECUTION_STATUSES = ['InProgress', 'Succeed', 'Failed', 'Stopped'] as const;
export const EXECUTION_TRIGGERS = ['manual', 'scheduled', 'event_based'] as const;

export class ExecutionListQuery extends PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  policy_id?: number;

  @IsOptional()
  @IsIn(EXECUTION_STATUSES)
  status?: (typeof EXECUTION_STATUSES)[number];

  @IsOptional()
  @IsIn(EXECUTION_TRIGGERS)
  trigger?: (typeof EXECUTION_TRIGGERS)[number];

  @IsOptional()
  @IsString()
  sort?: string;
}

export const TASK_STATUSES = ['Pending', 'InProgress', 'Succeed', 'Failed', 'Stopped'] as const;

export class TaskListQuery extends PageQuery {
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: (typeof TASK_STATUSES)[number];

  @IsOptional()
  @IsIn(['image', 'artifact'])
  resource_type?: 'image' | 'artifact';

  @IsOptional()
  @IsString()
  sort?: string;
}

export class ExecutionIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  id: number;
}

export class TaskIdParams extends ExecutionIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  task_id: number;
}

/** Harbor's status words for executions and tasks (its API keeps the older ones). */
export const STATUS_WORD = { Running: 'InProgress', Success: 'Succeed', Error: 'Failed', Stopped: 'Stopped', Pending: 'Pending' } as const;
export const TRIGGER_WORD: Record<string, string> = { MANUAL: 'manual', SCHEDULE: 'scheduled', EVENT: 'event_based' };

export class ReplicationExecutionResponse {
  id!: number;
  policy_id!: number;
  status!: string;
  trigger!: string;
  start_time!: Date;
  end_time!: Date | null;
  status_text!: string;
  total!: number;
  failed!: number;
  succeed!: number;
  in_progress!: number;
  stopped!: number;
  /** Wharf's addition: a dry run moved nothing */
  dry_run!: boolean;
}

export function toExecutionResponse(execution: ExecutionRecord): ReplicationExecutionResponse {
  const m = execution.metrics;
  return {
    id: execution.id,
    policy_id: execution.vendor_id ?? 0,
    status: STATUS_WORD[execution.status],
    trigger: TRIGGER_WORD[execution.trigger] ?? execution.trigger.toLowerCase(),
    start_time: execution.start_time,
    end_time: execution.end_time,
    status_text: execution.status_message,
    total: m.task_count,
    failed: m.error_task_count,
    succeed: m.success_task_count,
    in_progress: m.pending_task_count + m.running_task_count,
    stopped: m.stopped_task_count,
    dry_run: execution.extra_attrs.dry_run === true,
  };
}

export class ReplicationTaskResponse {
  id!: number;
  execution_id!: number;
  status!: string;
  job_id!: string;
  operation!: string;
  resource_type!: string;
  src_resource!: string;
  dst_resource!: string;
  start_time!: Date | null;
  end_time!: Date | null;
  /** Wharf's additions: why it ended so, and the copy's figures once it ran */
  status_message!: string;
  outcome!: unknown;
}

export function toTaskResponse(task: TaskRecord): ReplicationTaskResponse {
  const attributes = task.extra_attrs as unknown as ReplicationTaskAttributes;
  return {
    id: task.id,
    execution_id: task.execution_id,
    // Harbor shows pending tasks as Pending, the rest in its older words
    status: STATUS_WORD[task.status],
    job_id: task.job_id ?? '',
    operation: attributes.operation,
    resource_type: attributes.resource_type,
    src_resource: attributes.src_resource,
    dst_resource: attributes.dst_resource,
    start_time: task.start_time,
    end_time: task.end_time,
    status_message: task.status_message,
    outcome: task.progress.outcome ?? null,
  };
}

export type RegistryInfoResponse = RegistryInfo;
export type { FilterStyle, RegistryType };
