import type { ProjectResponse } from '../projects/project.dto';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, MaxLength, Min, ValidateNested } from 'class-validator';
import { PageQuery } from '../management/pagination';

/** GET /quotas: Harbor's reference (project) and reference_id filters, `sort` by creation_time, update_time, hard.storage, used.storage. */
export class QuotaListQuery extends PageQuery {
  @IsOptional()
  @IsIn(['project'])
  reference?: 'project';

  @IsOptional()
  @IsString()
  @MaxLength(32)
  reference_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  sort?: string;
}

export class QuotaIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  id: number;
}

export class QuotaHardRequest {
  /** bytes, -1 for unlimited */
  @IsInt()
  storage: number;
}

/** PUT /quotas/{id}: Harbor's QuotaUpdateReq. */
export class QuotaUpdateRequest {
  @ValidateNested()
  @Type(() => QuotaHardRequest)
  hard: QuotaHardRequest;
}

/** Harbor's Quota: one per project in Wharf, its id the project's. */
export class QuotaResponse {
  id!: number;
  ref!: { id: number; name: string; owner_name: string };
  creation_time!: Date;
  update_time!: Date;
  hard!: { storage: number };
  used!: { storage: number };
}

/** GET /users/current/permissions: `scope` as Harbor's (`/project/{id or name}`, `/system`), `relative` drops the scope from each resource. */
export class PermissionsQuery {
  @IsOptional()
  @IsString()
  @MaxLength(300)
  scope?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  relative?: string;
}

export class SearchQuery {
  @IsString()
  @Length(0, 255)
  q: string;
}

/** GET /repositories: every repository the caller may list (all of them for system admins). */
export class AllRepositoriesQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  sort?: string;
}

/** Harbor 2.0's robot access entry: `{"resource":"/project/1/repository","action":"push"}`. */
export class RobotV1Access {
  @IsString()
  @MaxLength(255)
  resource: string;

  @IsString()
  @MaxLength(64)
  action: string;

  @IsOptional()
  @IsIn(['allow'])
  effect?: string;
}

/** POST /projects/{p}/robots: Harbor 2.0's RobotAccountCreate. */
export class RobotV1CreateRequest {
  @IsString()
  @Length(1, 128)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  /** unix seconds; absent, 0 or -1: never */
  @IsOptional()
  @IsNumber()
  expires_at?: number;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => RobotV1Access)
  access: RobotV1Access[];
}

/** PUT /projects/{p}/robots/{id}: Harbor 2.0's RobotAccountUpdate. */
export class RobotV1UpdateRequest {
  @IsBoolean()
  disabled: boolean;
}

export class ProjectRobotParams {
  @IsString()
  @Length(1, 255)
  project_name_or_id: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  robot_id: number;
}

export class ProjectParams {
  @IsString()
  @Length(1, 255)
  project_name_or_id: string;
}

/** Harbor 2.0's RobotAccount. */
export class RobotV1Response {
  id!: number;
  name!: string;
  description!: string;
  project_id!: number | null;
  expires_at!: number;
  disabled!: boolean;
  creation_time!: Date;
  update_time!: Date;
  access!: { resource: string; action: string }[];
}

/** One permission: a resource and an action on it. */
export class PermissionResponse {
  resource!: string;
  action!: string;
}

/** Harbor 2.2's /permissions: what a robot may be granted, at system and at project level. */
export class GrantablePermissionsResponse {
  system!: PermissionResponse[];
  project!: PermissionResponse[];
}

export class SearchRepositoryResponse {
  project_id!: number;
  project_name!: string;
  project_public!: boolean;
  repository_name!: string;
  pull_count!: number;
  artifact_count!: number;
}

export class SearchResponse {
  project!: ProjectResponse[];
  repository!: SearchRepositoryResponse[];
}
