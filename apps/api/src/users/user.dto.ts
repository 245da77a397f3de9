import { PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsEmail, IsInt, IsNotEmpty, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import type { User } from '@wharf/iam';
import { PageQuery } from '../management/pagination';

// Harbor's username rule plus what HTTP Basic cannot carry (':' splits name from password) and
// whitespace or control characters, which no login form or docker client round-trips safely.
const USERNAME = /^[^\s\p{Cc},"~#$%:]+$/u;
const NOT_ROBOT = /^(?!robot\$)/;
// Harbor refuses these in real names
const REALNAME = /^[^,~#$%]*$/;

export class CreateUserRequest {
  @IsString()
  @Length(1, 255)
  @Matches(USERNAME, { message: 'username may not contain whitespace or any of , " ~ # $ % :' })
  @Matches(NOT_ROBOT, { message: 'username may not start with robot$ (reserved for robot accounts)' })
  username: string;

  @IsString()
  @IsNotEmpty()
  password: string;

  @IsOptional()
  @IsEmail()
  @MaxLength(255)
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(REALNAME, { message: 'realname may not contain any of , ~ # $ %' })
  realname?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  comment?: string;
}

/** PUT /users/{id}: absent fields keep their value. */
export class UpdateUserProfileRequest extends PickType(CreateUserRequest, ['email', 'realname', 'comment'] as const) {}

export class PasswordRequest {
  /** required when users change their own password; ignored when a system admin resets someone else's */
  @IsOptional()
  @IsString()
  old_password?: string;

  @IsString()
  @IsNotEmpty()
  new_password: string;
}

export class SysadminFlagRequest {
  @IsBoolean()
  sysadmin_flag: boolean;
}

export class UserIdParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  user_id: number;
}

/** GET /users: Harbor's `q` (username), plus the older `username` parameter (substring match). */
export class UserListQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  username?: string;

  /** user_id, username, email, creation_time, update_time; `-` descending */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  sort?: string;
}

/** GET /users/search: what any logged-in user may ask to find someone to add as a member. */
export class UserSearchQuery extends PageQuery {
  @IsString()
  @Length(1, 255)
  username: string;
}

/** Harbor's UserResp; never a password or hash (UserService never reads them out). */
export class UserResponse {
  user_id!: number;
  username!: string;
  email!: string;
  realname!: string;
  comment!: string;
  sysadmin_flag!: boolean;
  creation_time!: Date;
  update_time!: Date;
}

export class UserSearchItem {
  user_id!: number;
  username!: string;
}

export function toUserResponse(user: User): UserResponse {
  return {
    user_id: user.user_id,
    username: user.username,
    email: user.email ?? '',
    realname: user.realname,
    comment: user.comment,
    sysadmin_flag: user.sysadmin_flag,
    creation_time: user.creation_time,
    update_time: user.update_time,
  };
}
