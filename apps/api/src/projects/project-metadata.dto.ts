import { IsString, MaxLength } from 'class-validator';

/** /projects/{project_name_or_id}/metadatas/{meta_name} */
export class MetadataParams {
  @IsString()
  project_name_or_id: string;

  @IsString()
  @MaxLength(64)
  meta_name: string;
}
