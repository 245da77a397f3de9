import { Type } from 'class-transformer';
import { Equals, IsBoolean, IsIn, IsInt, IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * PUT /configurations, by Harbor's names; only those sent change. Three kinds of keys:
 * - stored and applied: storage_per_project, project_creation_restriction, banner_message,
 *   webhook_allow_local_network (Wharf's own);
 * - fixed in Wharf (database accounts, no self-registration, ...): shown by GET as
 *   `editable: false`, and accepted by PUT only with the value shown, so a client that sends back
 *   what it read succeeds, while one asking for something Wharf does not do gets a 400 naming it;
 * - any other key (LDAP, OIDC, e-mail... settings Wharf has no meaning for): a 400 naming it.
 */
export class ConfigurationsRequest {
  /** bytes a new project may store, -1 for unlimited */
  @IsOptional()
  @IsInt()
  storage_per_project?: number;

  /** whether webhook targets may be on the local network (loopback, private, link-local...); as GitLab's "allow requests to the local network" */
  @IsOptional()
  @IsBoolean()
  webhook_allow_local_network?: boolean;

  /** who creates projects: everyone (logged-in users) or adminonly */
  @IsOptional()
  @IsIn(['everyone', 'adminonly'])
  project_creation_restriction?: 'everyone' | 'adminonly';

  /** shown to clients by /systeminfo (Harbor's UI shows it as a banner) */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  banner_message?: string;

  @IsOptional()
  @Equals('db_auth', { message: 'auth_mode: Wharf authenticates against its own database only (db_auth)' })
  auth_mode?: string;

  @IsOptional()
  @Equals(false, { message: 'primary_auth_mode: Wharf has no other authentication mode' })
  primary_auth_mode?: boolean;

  @IsOptional()
  @Equals(false, { message: 'self_registration: Wharf has no self-registration; a system administrator creates users' })
  self_registration?: boolean;

  @IsOptional()
  @Equals(false, { message: 'read_only: Wharf has no read-only mode' })
  read_only?: boolean;

  @IsOptional()
  @Equals(true, { message: 'quota_per_project_enable: project quotas are always on in Wharf' })
  quota_per_project_enable?: boolean;

  @IsOptional()
  @Equals(true, { message: 'notification_enable: webhooks are always on in Wharf (a policy is disabled one by one)' })
  notification_enable?: boolean;

  @IsOptional()
  @Equals('robot$', { message: 'robot_name_prefix: robot names always start with robot$ in Wharf' })
  robot_name_prefix?: string;

  @IsOptional()
  @Equals(false, { message: 'scanner_skip_update_pulltime is not configurable in Wharf (only false, as Harbor defaults it, is accepted)' })
  scanner_skip_update_pulltime?: boolean;

  @IsOptional()
  @Equals(false, { message: 'skip_audit_log_database: Wharf always writes the audit log to its database' })
  skip_audit_log_database?: boolean;

  /** minutes; Wharf's is TOKEN_EXPIRATION_MINUTES, set where the api starts */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  token_expiration?: number;
}

/** One setting as Harbor answers it: its value, and whether a PUT may change it. */
export class NumberConfigurationItem {
  value!: number;
  editable!: boolean;
}

export class BooleanConfigurationItem {
  value!: boolean;
  editable!: boolean;
}

export class StringConfigurationItem {
  value!: string;
  editable!: boolean;
}

/** Harbor's ConfigurationsResponse, for the settings Wharf has. */
export class ConfigurationsResponse {
  storage_per_project!: NumberConfigurationItem;
  webhook_allow_local_network!: BooleanConfigurationItem;
  project_creation_restriction!: StringConfigurationItem;
  banner_message!: StringConfigurationItem;
  auth_mode!: StringConfigurationItem;
  primary_auth_mode!: BooleanConfigurationItem;
  self_registration!: BooleanConfigurationItem;
  read_only!: BooleanConfigurationItem;
  quota_per_project_enable!: BooleanConfigurationItem;
  notification_enable!: BooleanConfigurationItem;
  robot_name_prefix!: StringConfigurationItem;
  scanner_skip_update_pulltime!: BooleanConfigurationItem;
  skip_audit_log_database!: BooleanConfigurationItem;
  token_expiration!: NumberConfigurationItem;
}
