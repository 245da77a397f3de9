import type { Statistics } from './system-info.service';

/** Harbor's GeneralInfo: anonymous callers get the fields up to authproxy_settings, logged-in ones all. */
export class SystemInfoResponse {
  auth_mode!: 'db_auth';
  primary_auth_mode!: boolean;
  self_registration!: boolean;
  harbor_version!: string;
  banner_message!: string;
  oidc_provider_name!: string;
  /** always null: Wharf has no auth proxy */
  authproxy_settings!: string | null;
  current_time?: string;
  with_notary?: boolean;
  with_chartmuseum?: boolean;
  registry_url?: string;
  external_url?: string;
  project_creation_restriction?: 'everyone' | 'adminonly';
  has_ca_root?: boolean;
  registry_storage_provider_name?: string;
  read_only?: boolean;
  notification_enable?: boolean;
}

export class StorageVolume {
  /** bytes; 0 on S3 (a bucket has no capacity) */
  total!: number;
  free!: number;
}

export class SystemVolumesResponse {
  storage!: StorageVolume[];
}

export class StatisticsResponse implements Statistics {
  private_project_count!: number;
  private_repo_count!: number;
  public_project_count!: number;
  public_repo_count!: number;
  total_project_count!: number;
  total_repo_count!: number;
  /** system admins only: the bytes of every stored blob, each once */
  total_storage_consumption?: number;
}
