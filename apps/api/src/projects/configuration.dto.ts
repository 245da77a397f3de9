import { IsInt, IsOptional } from 'class-validator';

/** PUT /configurations: the settings Wharf keeps, by Harbor's names; only those sent change. */
export class ConfigurationsRequest {
  /** bytes a new project may store, -1 for unlimited */
  @IsOptional()
  @IsInt()
  storage_per_project?: number;
}

/** Harbor's ConfigurationsResponse, for the settings Wharf has. */
export interface ConfigurationsResponse {
  storage_per_project: { value: number; editable: boolean };
}
