import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { RepositoryRecord } from '@wharf/artifacts';
import { PageQuery } from '../management/pagination';

/** GET /projects/{project_name}/repositories: `q` takes name (= exact full name, =~ substring); `sort` e.g. `name`, `-creation_time`. */
export class RepositoryListQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  sort?: string;
}

/** PUT /projects/{project_name}/repositories/{repository_name}: only the description changes. */
export class UpdateRepositoryRequest {
  @IsString()
  @MaxLength(65535)
  description: string;
}

/** Harbor's Repository. */
export class RepositoryResponse {
  id!: number;
  project_id!: number;
  /** `<project>/<repository>` */
  name!: string;
  description!: string;
  artifact_count!: number;
  pull_count!: number;
  creation_time!: Date;
  update_time!: Date;
}

export const toRepositoryResponse = (r: RepositoryRecord): RepositoryResponse => ({
  id: r.id,
  project_id: r.project_id,
  name: r.name,
  description: r.description,
  artifact_count: r.artifact_count,
  pull_count: r.pull_count,
  creation_time: r.creation_time,
  update_time: r.update_time,
});
