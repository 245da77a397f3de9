import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import type { Robot, RobotPermissionGrant } from '@wharf/iam';
import { PageQuery } from '../management/pagination';

export class RobotAccessRequest {
  @IsString()
  @MaxLength(64)
  resource: string;

  @IsString()
  @MaxLength(64)
  action: string;

  /** Harbor's access entries carry an effect; only granting ("allow") exists */
  @IsOptional()
  @IsIn(['allow'])
  effect?: string;
}

export class RobotPermissionRequest {
  @IsIn(['project'])
  kind: 'project';

  /** a project name, or '*' for every project (system robots only) */
  @IsString()
  @Length(1, 255)
  namespace: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => RobotAccessRequest)
  access: RobotAccessRequest[];
}

export class CreateRobotRequest {
  /** the short name; the login name becomes robot$<name> or robot$<project>+<name> */
  @IsString()
  @Length(1, 128)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  /** days until expiry, -1 for never */
  @IsInt()
  duration: number;

  @IsIn(['system', 'project'])
  level: 'system' | 'project';

  @IsOptional()
  @IsBoolean()
  disable?: boolean;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => RobotPermissionRequest)
  permissions: RobotPermissionRequest[];
}

/**
 * PUT /robots/{id}: replaces description, duration, disable and permissions. Harbor clients
 * send back the whole object they read, so its read-only fields are accepted; name and level,
 * when sent, must be the robot's own.
 */
export class UpdateRobotRequest {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  id?: number;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @IsOptional()
  @IsIn(['system', 'project'])
  level?: 'system' | 'project';

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  /** days from creation until expiry, -1 for never; absent keeps the current duration */
  @IsOptional()
  @IsInt()
  duration?: number;

  @IsOptional()
  @IsBoolean()
  disable?: boolean;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => RobotPermissionRequest)
  permissions: RobotPermissionRequest[];

  @IsOptional()
  @IsBoolean()
  editable?: boolean;

  @IsOptional()
  @IsNumber()
  expires_at?: number;

  @IsOptional()
  @IsString()
  creation_time?: string;

  @IsOptional()
  @IsString()
  update_time?: string;
}

/** PATCH /robots/{id}: a new secret, generated unless one is given. */
export class RefreshSecretRequest {
  @IsOptional()
  @IsString()
  @MaxLength(128)
  secret?: string;
}

/** GET /robots: `q` (Level, ProjectID) and `sort` (id, name, creation_time, update_time, expires_at, duration; `-` descending). */
export class RobotListQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  sort?: string;
}

export class RobotIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  robot_id: number;
}

/** Harbor's RobotCreated: the only read besides a refresh that carries the secret. */
export class RobotCreatedResponse {
  id!: number;
  name!: string;
  secret!: string;
  creation_time!: Date;
  expires_at!: number;
}

/** Harbor's Robot, without any secret. */
export class RobotResponse {
  id!: number;
  name!: string;
  description!: string;
  level!: 'system' | 'project';
  duration!: number;
  editable!: boolean;
  disable!: boolean;
  expires_at!: number;
  permissions!: RobotPermissionGrant[];
  creation_time!: Date;
  update_time!: Date;
}

export function toRobotResponse(robot: Robot): RobotResponse {
  return {
    id: robot.id,
    name: robot.name,
    description: robot.description,
    level: robot.level,
    duration: robot.duration,
    editable: true,
    disable: robot.disable,
    expires_at: robot.expires_at,
    permissions: robot.permissions,
    creation_time: robot.creation_time,
    update_time: robot.update_time,
  };
}
