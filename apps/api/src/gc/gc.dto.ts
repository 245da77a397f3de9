import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import type { ExecutionRecord, Schedule, TaskRecord, TaskStatus } from '@wharf/jobs';

/** What a POST/PUT of /system/gc/schedule may ask for: run now, set a repeating schedule, or remove it. */
export const GC_SCHEDULE_TYPES = ['Manual', 'Hourly', 'Daily', 'Weekly', 'Custom', 'None'] as const;
export type GcScheduleType = (typeof GC_SCHEDULE_TYPES)[number];

/** (the decorators below repeat 1 and 5 as literals: the OpenAPI generator reads only literals) */
export const MIN_GC_WORKERS = 1;

/** Harbor's ScheduleObj. */
export class GcScheduleObject {
  @IsIn(GC_SCHEDULE_TYPES)
  type: GcScheduleType;

  /** 6 fields, seconds first (`0 0 2 * * *`); required for Custom, the preset when absent for Hourly, Daily and Weekly */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  cron?: string;

  /** read-only: accepted (and ignored) so what GET answered can be sent back as is */
  @IsOptional()
  @IsString()
  next_scheduled_time?: string;
}

/** Harbor's GC `parameters`. */
export class GcParameters {
  /** also delete artifacts no tag points to (default false) */
  @IsOptional()
  @IsBoolean()
  delete_untagged?: boolean;

  /** count what a run would free, delete nothing (default false) */
  @IsOptional()
  @IsBoolean()
  dry_run?: boolean;

  /** parallel storage deletions, 1-5 (default 1) */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  workers?: number;
}

/** POST/PUT /system/gc/schedule. */
export class GcScheduleRequest {
  @IsObject()
  @ValidateNested()
  @Type(() => GcScheduleObject)
  schedule: GcScheduleObject;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GcParameters)
  parameters?: GcParameters;
}

export class GcIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  gc_id: number;
}

/** The parameters of a run or a schedule, every field present. */
export class GcParametersResponse {
  delete_untagged!: boolean;
  dry_run!: boolean;
  workers!: number;
}

/**
 * GET /system/gc/schedule: Harbor's schedule (type, cron, next tick) and parameters, plus the
 * same parameters as a JSON string in `job_parameters` (Harbor's GCHistory field, what Harbor's
 * own UI reads). No schedule: type None, empty cron and parameters.
 */
export class GcScheduleResponse {
  id?: number;
  schedule!: { type: string; cron: string; next_scheduled_time?: Date };
  parameters!: GcParametersResponse | Record<string, never>;
  job_parameters!: string;
  creation_time?: Date;
  update_time?: Date;
}

/** Harbor's GCHistory: one collection run (an execution of vendor type GARBAGE_COLLECTION). */
export class GcHistoryResponse {
  id!: number;
  job_name!: string;
  /** the trigger: MANUAL or SCHEDULE */
  job_kind!: string;
  /** `{"delete_untagged","dry_run","workers"}` as a JSON string (Harbor's field) */
  job_parameters!: string;
  /** for a scheduled run, the GC schedule as it is now; null for a manual run or when none is set any more */
  schedule!: { type: string; cron: string } | null;
  job_status!: TaskStatus;
  status_message!: string;
  deleted!: boolean;
  /** what the run reported so far (blobs and artifacts seen, deleted, bytes freed...) */
  progress!: Record<string, unknown>;
  creation_time!: Date;
  update_time!: Date;
  start_time!: Date;
  end_time!: Date | null;
}

export function toParameters(attributes: Record<string, unknown>): GcParametersResponse {
  return {
    delete_untagged: attributes.delete_untagged === true,
    dry_run: attributes.dry_run === true,
    workers: typeof attributes.workers === 'number' ? attributes.workers : MIN_GC_WORKERS,
  };
}

export function toGcScheduleResponse(schedule: Schedule | null): GcScheduleResponse {
  if (!schedule) return { schedule: { type: 'None', cron: '' }, parameters: {}, job_parameters: '{}' };
  const parameters = toParameters(schedule.parameters);
  return {
    id: schedule.id,
    schedule: { type: schedule.type, cron: schedule.cron, next_scheduled_time: schedule.nextScheduledTime },
    parameters,
    job_parameters: JSON.stringify(parameters),
    creation_time: schedule.creationTime,
    update_time: schedule.updateTime,
  };
}

export function toGcHistoryResponse(execution: ExecutionRecord, task: TaskRecord | undefined, schedule: Schedule | null): GcHistoryResponse {
  return {
    id: execution.id,
    job_name: execution.vendor_type,
    job_kind: execution.trigger,
    job_parameters: JSON.stringify(toParameters(execution.extra_attrs)),
    schedule: execution.trigger === 'SCHEDULE' && schedule ? { type: schedule.type, cron: schedule.cron } : null,
    job_status: execution.status,
    status_message: execution.status_message || task?.status_message || '',
    deleted: false,
    progress: task?.progress ?? {},
    creation_time: execution.start_time,
    update_time: execution.update_time,
    start_time: execution.start_time,
    end_time: execution.end_time,
  };
}
