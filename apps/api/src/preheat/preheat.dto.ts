import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { AUTH_MODES, PREHEAT_VENDORS, type AuthMode, type PreheatVendor } from '@wharf/preheat';

/** Harbor's Instance (POST, PUT, and ping); read-only fields clients echo back are accepted and ignored. */
export class PreheatInstanceRequest {
  @IsOptional()
  @IsInt()
  id?: number;

  @IsString()
  @Length(1, 255)
  @Matches(/^[^/\s]+$/, { message: 'name may not contain slashes or spaces' })
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsIn(PREHEAT_VENDORS)
  vendor: PreheatVendor;

  /** Wharf's addition, dragonfly only: `v2` (the manager's open API, the default) or `v1` (the supernode API) */
  @IsOptional()
  @IsIn(['', 'v1', 'v2'])
  api_version?: string;

  @IsString()
  @Length(1, 2048)
  endpoint: string;

  @IsOptional()
  @IsIn(AUTH_MODES)
  auth_mode?: AuthMode;

  /** BASIC {username,password}; OAUTH {token}; CUSTOM {<header>: <value>}; `*****` keeps a stored value */
  @IsOptional()
  @IsObject()
  auth_info?: Record<string, string>;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsBoolean()
  default?: boolean;

  @IsOptional()
  @IsBoolean()
  insecure?: boolean;

  @IsOptional()
  @IsString()
  status?: string;

  @IsOptional()
  @IsString()
  status_message?: string;

  @IsOptional()
  @IsInt()
  setup_timestamp?: number;

  @IsOptional()
  last_checked?: unknown;
}

/** POST /p2p/preheat/instances/ping: a stored instance by id, or one described in full. */
export class PingPreheatInstanceRequest {
  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsOptional()
  @IsIn(PREHEAT_VENDORS)
  vendor?: PreheatVendor;

  @IsOptional()
  @IsIn(['', 'v1', 'v2'])
  api_version?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  endpoint?: string;

  @IsOptional()
  @IsIn(AUTH_MODES)
  auth_mode?: AuthMode;

  @IsOptional()
  @IsObject()
  auth_info?: Record<string, string>;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsBoolean()
  default?: boolean;

  @IsOptional()
  @IsBoolean()
  insecure?: boolean;

  @IsOptional()
  @IsString()
  status?: string;

  @IsOptional()
  @IsInt()
  setup_timestamp?: number;
}

export class PreheatInstanceParams {
  @IsString()
  @Length(1, 255)
  preheat_instance_name: string;
}

/** Harbor's PreheatPolicy (POST, PUT; a POST on a named policy runs it and ignores its body). filters, trigger, extra_attrs: JSON strings. */
export class PreheatPolicyRequest {
  @IsOptional()
  @IsInt()
  id?: number;

  @IsString()
  @Length(1, 255)
  @Matches(/^[^/\s]+$/, { message: 'name may not contain slashes or spaces' })
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsOptional()
  @IsInt()
  project_id?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  provider_id?: number;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  provider_name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(8192)
  filters?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  trigger?: string;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  extra_attrs?: string | Record<string, unknown>;

  @IsOptional()
  @IsString()
  creation_time?: string;

  @IsOptional()
  @IsString()
  update_time?: string;
}

/** The body of a run (Harbor's ManualPreheat sends the policy back): accepted and ignored. */
export class PreheatRunRequest {
  @IsOptional() id?: number;
  @IsOptional() name?: string;
  @IsOptional() description?: string;
  @IsOptional() project_id?: number;
  @IsOptional() provider_id?: number;
  @IsOptional() provider_name?: string;
  @IsOptional() filters?: string;
  @IsOptional() trigger?: string;
  @IsOptional() enabled?: boolean;
  @IsOptional() extra_attrs?: unknown;
  @IsOptional() creation_time?: string;
  @IsOptional() update_time?: string;
}

export class PreheatPolicyParams {
  @IsString()
  project_name_or_id: string;

  @IsString()
  @Length(1, 255)
  preheat_policy_name: string;
}

export class PreheatExecutionParams extends PreheatPolicyParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  execution_id: number;
}

export class PreheatTaskParams extends PreheatExecutionParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  task_id: number;
}

/** PATCH .../executions/{id}: Harbor's Execution, of which only `status: "Stopped"` means anything. */
export class StopPreheatExecutionRequest {
  @IsIn(['Stopped'])
  status: 'Stopped';

  @IsOptional() id?: number;
  @IsOptional() vendor_type?: string;
  @IsOptional() vendor_id?: number;
  @IsOptional() status_message?: string;
  @IsOptional() metrics?: unknown;
  @IsOptional() trigger?: string;
  @IsOptional() extra_attrs?: unknown;
  @IsOptional() start_time?: string;
  @IsOptional() end_time?: string;
}

/** Harbor's Instance: a P2P provider Wharf preheats through. */
export class PreheatInstanceResponse {
  id!: number;
  name!: string;
  description!: string;
  /** dragonfly or kraken */
  vendor!: string;
  /** Wharf's addition: which Dragonfly API the instance speaks ('' for Kraken) */
  api_version!: string;
  endpoint!: string;
  /** NONE, BASIC, OAUTH or CUSTOM */
  auth_mode!: string;
  auth_info!: Record<string, string>;
  /** Healthy, Unhealthy or Unknown */
  status!: string;
  status_message!: string;
  enabled!: boolean;
  default!: boolean;
  insecure!: boolean;
  /** unix seconds of creation */
  setup_timestamp!: number;
  last_checked!: Date | null;
}

/** Harbor's PreheatPolicy: filters, trigger and extra_attrs are JSON strings. */
export class PreheatPolicyResponse {
  id!: number;
  name!: string;
  description!: string;
  project_id!: number;
  provider_id!: number;
  provider_name!: string;
  filters!: string;
  trigger!: string;
  enabled!: boolean;
  extra_attrs!: string;
  creation_time!: Date;
  update_time!: Date;
}
