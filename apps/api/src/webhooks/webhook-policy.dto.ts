import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { EVENT_TYPES, type EventType } from '@wharf/events';

/** Harbor's WebhookTargetObject. */
export class WebhookTargetRequest {
  @IsOptional()
  @IsIn(['http'])
  type?: 'http';

  @IsString()
  @Length(1, 2048)
  address: string;

  /** `*****` (what reads show) keeps the stored header */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  auth_header?: string;

  @IsOptional()
  @IsBoolean()
  skip_cert_verify?: boolean;

  @IsOptional()
  @IsIn(['CloudEvents', 'Default'])
  payload_format?: 'CloudEvents' | 'Default';
}

/** POST/PUT /projects/{p}/webhook/policies[/{id}] (Harbor's WebhookPolicy); read-only fields clients echo are accepted and ignored. */
export class WebhookPolicyRequest {
  @IsString()
  @Length(1, 255)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => WebhookTargetRequest)
  targets: WebhookTargetRequest[];

  @IsArray()
  @ArrayMinSize(1)
  @IsIn(EVENT_TYPES, { each: true })
  event_types: EventType[];

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsInt()
  project_id?: number;

  @IsOptional()
  @IsString()
  creator?: string;

  @IsOptional()
  @IsString()
  creation_time?: string;

  @IsOptional()
  @IsString()
  update_time?: string;
}

export class WebhookPolicyParams {
  @IsString()
  project_name_or_id: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  webhook_policy_id: number;
}

export class WebhookExecutionParams extends WebhookPolicyParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  execution_id: number;
}

export class WebhookTaskParams extends WebhookExecutionParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  task_id: number;
}

/**
 * POST /projects/{p}/webhook/policies/test (Harbor v2.0's "test project webhook connection"): the
 * policy being edited; only its targets are used, every other field is accepted and ignored.
 */
export class WebhookTestRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => WebhookTargetRequest)
  targets: WebhookTargetRequest[];

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsArray()
  event_types?: string[];

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsInt()
  project_id?: number;
}

/** Harbor's WebhookTargetObject as a read shows it: the auth header masked. */
export class WebhookTargetResponse {
  type!: 'http';
  address!: string;
  /** `*****` when one is set, else empty */
  auth_header!: string;
  skip_cert_verify!: boolean;
  payload_format!: 'CloudEvents' | 'Default';
}

/** Harbor's WebhookPolicy. */
export class WebhookPolicyResponse {
  id!: number;
  name!: string;
  description!: string;
  project_id!: number;
  targets!: WebhookTargetResponse[];
  event_types!: string[];
  enabled!: boolean;
  creator!: string;
  creation_time!: Date;
  update_time!: Date;
}
