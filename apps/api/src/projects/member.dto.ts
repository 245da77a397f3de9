import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ProjectRole, type ProjectRoleId } from '@wharf/iam';
import { PageQuery } from '../management/pagination';

const ROLE_IDS = Object.values(ProjectRole);

/** Who to add: a user by id or by name (Harbor's UserEntity). Groups are not supported. */
export class MemberUserRequest {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2147483647)
  user_id?: number;

  @IsOptional()
  @IsString()
  @Length(1, 255)
  username?: string;
}

/** POST /projects/{project_name_or_id}/members (Harbor's ProjectMember). */
export class CreateMemberRequest {
  /** 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest */
  @IsIn(ROLE_IDS)
  role_id: ProjectRoleId;

  @IsDefined()
  @ValidateNested()
  @Type(() => MemberUserRequest)
  member_user: MemberUserRequest;
}

/** PUT /projects/{project_name_or_id}/members/{mid} (Harbor's RoleRequest). */
export class RoleRequest {
  /** 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest */
  @IsIn(ROLE_IDS)
  role_id: ProjectRoleId;
}

/** GET /projects/{project_name_or_id}/members: `entityname` is a substring of the member's name. */
export class MemberListQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  entityname?: string;
}

export class MemberParams {
  @IsString()
  project_name_or_id: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  mid: number;
}

/** Harbor's ProjectMemberEntity (users only: groups are not supported). */
export class MemberResponse {
  id!: number;
  project_id!: number;
  entity_id!: number;
  entity_name!: string;
  /** u: a user */
  entity_type!: 'u';
  /** 1 project admin, 2 developer, 3 guest, 4 maintainer, 5 limited guest */
  role_id!: number;
  role_name!: string;
}
