import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, Max, Min } from 'class-validator';
import type { RetentionRule, RetentionTrigger } from '@wharf/retention';

/**
 * Harbor's RetentionPolicy body (POST /retentions, PUT /retentions/{id}, POST /retentions/dry-run).
 * Rules, trigger and scope are checked by the retention lib (`checkPolicy`), which knows the
 * templates and selectors; here only their outer shape.
 */
export class RetentionPolicyRequest {
  /** Harbor sends it back on PUT; the path's id wins */
  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsIn(['or'])
  algorithm?: 'or';

  @IsArray()
  @IsObject({ each: true })
  rules: RetentionRule[];

  @IsOptional()
  @IsObject()
  trigger?: RetentionTrigger;

  @IsObject()
  scope: { level: 'project'; ref: number };
}

export class RetentionListQuery {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  project_id: number;
}

export class RetentionIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  id: number;
}

export class RetentionExecutionParams extends RetentionIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  eid: number;
}

export class RetentionTaskParams extends RetentionExecutionParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  tid: number;
}

export class DryRunParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  eid: number;
}

export class DryRunTaskParams extends DryRunParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  tid: number;
}

/** POST /retentions/{id}/executions */
export class RetentionExecutionRequest {
  @IsOptional()
  @IsBoolean()
  dry_run?: boolean;
}

/** PATCH /retentions/{id}/executions/{eid}: Harbor's only action is stop */
export class RetentionExecutionAction {
  @IsIn(['stop'])
  action: 'stop';
}

/** Harbor's RetentionExecution. */
export class RetentionExecutionResponse {
  id!: number;
  policy_id!: number | null;
  project_id!: number;
  start_time!: Date;
  end_time!: Date | null;
  status!: 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';
  status_message!: string;
  trigger!: string;
  dry_run!: boolean;
}

/** Harbor's RetentionExecutionTask: one repository of a run. */
export class RetentionTaskResponse {
  id!: number;
  execution_id!: number;
  repository!: string;
  job_id!: string;
  status!: 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';
  status_code!: number;
  status_revision!: number;
  start_time!: Date | null;
  end_time!: Date | null;
  total!: number;
  retained!: number;
}
