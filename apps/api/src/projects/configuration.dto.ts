import { IsBoolean, IsInt, IsOptional } from 'class-validator';

/** PUT /configurations: the settings Wharf keeps, by Harbor's names; only those sent change. */
export class ConfigurationsRequest {
  /** bytes a new project may store, -1 for unlimited */
  @IsOptional()
  @IsInt()
  storage_per_project?: number;

  /** whether webhook targets may be on the local network (loopback, private, link-local...); as GitLab's "allow requests to the local network" */
  @IsOptional()
  @IsBoolean()
  webhook_allow_local_network?: boolean;
}

/** Harbor's ConfigurationsResponse, for the settings Wharf has. */
export interface ConfigurationsResponse {
  storage_per_project: { value: number; editable: boolean };
  webhook_allow_local_network: { value: boolean; editable: boolean };
}
