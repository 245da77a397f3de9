import { PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import type { Project } from '@wharf/projects';
import type { CveAllowlist, CveAllowlistInput } from '@wharf/scanning';
import { PageQuery } from '../management/pagination';
import type { CveAllowlistResponse } from '../scanning/cve-allowlist.dto';

/** Query strings carry text: "true"/"false" become booleans, anything else stays and fails @IsBoolean. */
const booleanText = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** POST /projects (Harbor's ProjectReq). */
export class CreateProjectRequest {
  /** Harbor's rule: 1-255 lower-case letters, digits, ".", "_" and "-", not starting with a separator */
  @IsString()
  project_name: string;

  /** shorthand for metadata.public; wins over it when both are sent */
  @IsOptional()
  @IsBoolean()
  public?: boolean;

  /** string values, e.g. {"public":"true","auto_scan":"true"}; unknown keys are refused */
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  /** bytes, -1 for unlimited; the system default (GET /configurations) when absent. Other values: system admins only */
  @IsOptional()
  @IsInt()
  storage_limit?: number | null;

  /** makes a proxy-cache project of that registry endpoint (system admins only) */
  @IsOptional()
  @IsInt()
  registry_id?: number | null;

  /** the project's own CVE allowlist ({"expires_at", "items":[{"cve_id"}]}); in force when metadata reuse_sys_cve_allowlist is "false" */
  @IsOptional()
  @IsObject()
  cve_allowlist?: CveAllowlistInput;
}

/**
 * PUT /projects/{project_name_or_id}. Harbor clients send back the ProjectReq they created the
 * project with, so project_name and registry_id are accepted when they are the project's own.
 */
export class UpdateProjectRequest extends PartialType(CreateProjectRequest) {}

/** GET /projects: `name` is a substring match; `q` takes name (=, =~), public and owner; `sort` name, project_id, creation_time, update_time. */
export class ProjectListQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  sort?: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  public?: boolean;

  /** the owner's user name */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  owner?: string;

  /** accepted for Harbor clients; every answer carries the details anyway */
  @IsOptional()
  @Transform(booleanText)
  @IsBoolean()
  with_detail?: boolean;
}

/** HEAD /projects?project_name= */
export class ProjectExistsQuery {
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  project_name: string;
}

/** Harbor's Project. */
export class ProjectResponse {
  project_id!: number;
  name!: string;
  owner_id!: number | null;
  owner_name!: string;
  registry_id!: number | null;
  creation_time!: Date;
  update_time!: Date;
  deleted!: boolean;
  repo_count!: number;
  metadata!: Record<string, string>;
  cve_allowlist?: CveAllowlistResponse;
  /** the caller's role in the project (Harbor's role ids), 0 when none */
  current_user_role_id!: number;
  current_user_role_ids!: number[];
}

/** A project with the caller's roles in it. */
export interface ProjectView {
  project: Project;
  roleIds: number[];
  cveAllowlist?: CveAllowlist;
}

export function toProjectResponse({ project, roleIds, cveAllowlist }: ProjectView): ProjectResponse {
  return {
    project_id: project.project_id,
    name: project.name,
    owner_id: project.owner_id,
    owner_name: project.owner_name,
    registry_id: project.registry_id,
    creation_time: project.creation_time,
    update_time: project.update_time,
    deleted: project.deleted,
    repo_count: project.repo_count,
    metadata: project.metadata,
    ...(cveAllowlist ? { cve_allowlist: cveAllowlist } : {}),
    current_user_role_id: roleIds[0] ?? 0,
    current_user_role_ids: roleIds,
  };
}

export class ProjectDeletableResponse {
  deletable!: boolean;
  message!: string;
}

/** Harbor's ProjectSummary; member counts and quota only for callers who may see them. */
export class ProjectSummaryResponse {
  repo_count!: number;
  project_admin_count?: number;
  maintainer_count?: number;
  developer_count?: number;
  guest_count?: number;
  limited_guest_count?: number;
  quota?: { hard: { storage: number }; used: { storage: number } };
  registry_id!: number | null;
}
