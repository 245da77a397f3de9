import { PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import type { Label } from '@wharf/labels';
import { PageQuery } from '../management/pagination';

/** POST /labels (Harbor's Label). `id` and `deleted` are accepted and ignored, as clients echo them. */
export class CreateLabelRequest {
  @IsString()
  @Length(1, 128)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsOptional()
  @IsString()
  @MaxLength(16)
  color?: string;

  @IsIn(['g', 'p'])
  scope: 'g' | 'p';

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2147483647)
  project_id?: number;

  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsBoolean()
  deleted?: boolean;
}

/** PUT /labels/{id}: name, description, color; scope and project stay as they are. */
export class UpdateLabelRequest extends PartialType(CreateLabelRequest) {}

/** GET /labels: `scope` g or p (p needs `project_id`), `name` a substring of the label name. */
export class LabelListQuery extends PageQuery {
  @IsIn(['g', 'p'])
  scope: 'g' | 'p';

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  project_id?: number;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  name?: string;
}

export class LabelParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  label_id: number;
}

/** POST .../artifacts/{reference}/labels: Harbor sends the whole label; only its id counts. */
export class AttachLabelRequest {
  @IsInt()
  @Min(1)
  @Max(2147483647)
  id: number;

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsString()
  color?: string;

  @IsOptional()
  @IsString()
  scope?: string;

  @IsOptional()
  @IsInt()
  project_id?: number;
}

export class ArtifactLabelParams {
  @IsString()
  project_name_or_id: string;

  @IsString()
  repository_name: string;

  @IsString()
  reference: string;
}

export class ArtifactLabelDetachParams extends ArtifactLabelParams {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  label_id: number;
}

/** Harbor's Label, as the labels API answers (`project_id` 0 for a global label). */
export class LabelResponse implements Label {
  id!: number;
  name!: string;
  description!: string;
  color!: string;
  /** g: global, p: the project's own */
  scope!: 'g' | 'p';
  project_id!: number;
  creation_time!: Date;
  update_time!: Date;
}
