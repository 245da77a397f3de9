import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { SqlClient } from '@wharf/db';
import { isSysadmin, type Principal } from '@wharf/iam';
import { ProjectService, SystemSettingsService } from '@wharf/projects';
import { statfs } from 'node:fs/promises';
import { requireAuthenticated, requireSysadmin } from '../management/project-authorizer';

/** The version Harbor's clients read as harbor_version: Wharf's own (package.json's; the system e2e checks they agree). */
export const WHARF_VERSION = '0.1.0';

/** Fields every caller gets (Harbor shows them on its login page). */
export interface PublicSystemInfo {
  auth_mode: 'db_auth';
  primary_auth_mode: boolean;
  self_registration: boolean;
  harbor_version: string;
  banner_message: string;
  oidc_provider_name: string;
  authproxy_settings: null;
}

/** Harbor's GeneralInfo for a logged-in caller. */
export interface SystemInfo extends PublicSystemInfo {
  current_time: string;
  with_notary: boolean;
  with_chartmuseum: boolean;
  registry_url: string;
  external_url: string;
  project_creation_restriction: 'everyone' | 'adminonly';
  has_ca_root: boolean;
  registry_storage_provider_name: string;
  read_only: boolean;
  notification_enable: boolean;
}

export interface Statistics {
  private_project_count: number;
  private_repo_count: number;
  public_project_count: number;
  public_repo_count: number;
  total_project_count: number;
  total_repo_count: number;
  total_storage_consumption?: number;
}

/** /systeminfo, /systeminfo/volumes and /statistics, computed as Harbor computes them for the caller. */
@Injectable()
export class SystemInfoService {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly sql: SqlClient,
    private readonly projects: ProjectService,
    private readonly settings: SystemSettingsService,
  ) {}

  async info(principal: Principal): Promise<PublicSystemInfo | SystemInfo> {
    const shown: PublicSystemInfo = {
      auth_mode: 'db_auth',
      primary_auth_mode: false,
      self_registration: false,
      harbor_version: `v${WHARF_VERSION}-wharf`,
      banner_message: await this.settings.bannerMessage(),
      oidc_provider_name: '',
      authproxy_settings: null,
    };
    // Harbor shows the rest to logged-in callers only
    if (principal.kind === 'anonymous') return shown;
    const externalUrl = this.externalUrl();
    return {
      ...shown,
      current_time: new Date().toISOString(),
      with_notary: false,
      with_chartmuseum: false,
      registry_url: new URL(externalUrl).host,
      external_url: externalUrl,
      project_creation_restriction: await this.settings.projectCreationRestriction(),
      has_ca_root: false,
      registry_storage_provider_name: this.config.STORAGE_DRIVER,
      read_only: false,
      notification_enable: true,
    };
  }

  /**
   * Harbor's `{"storage":[{"total","free"}]}` (bytes) of the filesystem holding the blobs. An S3
   * bucket has no capacity to report: both are 0 there (as Harbor answers for a non-filesystem
   * registry storage), and `registry_storage_provider_name` in /systeminfo says `s3`.
   */
  async volumes(principal: Principal): Promise<{ storage: { total: number; free: number }[] }> {
    requireSysadmin(principal);
    if (this.config.STORAGE_DRIVER !== 'filesystem') return { storage: [{ total: 0, free: 0 }] };
    const stats = await statfs(this.config.STORAGE_FS_ROOT).catch(() => statfs('.'));
    return { storage: [{ total: Number(stats.blocks) * Number(stats.bsize), free: Number(stats.bavail) * Number(stats.bsize) }] };
  }

  /**
   * Harbor's statistic: public projects and their repositories count for everyone; private ones
   * are those the caller is a member of (every private one for system admins, who also get the
   * storage consumption: the bytes of every stored blob, each counted once).
   */
  async statistics(principal: Principal): Promise<Statistics> {
    requireAuthenticated(principal);
    const visible = await this.projects.memberProjectIds(principal);
    const rows = await this.sql.query<{ public: boolean; projects: number; repos: number }>(
      `SELECT COALESCE(m.value = 'true', false) AS public, count(*)::int AS projects,
              COALESCE(sum((SELECT count(*) FROM repository r WHERE r.project_id = p.project_id)), 0)::int AS repos
         FROM project p LEFT JOIN project_metadata m ON m.project_id = p.project_id AND m.name = 'public'
        WHERE COALESCE(m.value = 'true', false) OR $1::int[] IS NULL OR p.project_id = ANY($1::int[])
        GROUP BY 1`,
      [visible ?? null],
    );
    const of = (isPublic: boolean) => rows.find((r) => r.public === isPublic) ?? { projects: 0, repos: 0 };
    const statistics: Statistics = {
      private_project_count: of(false).projects,
      private_repo_count: of(false).repos,
      public_project_count: of(true).projects,
      public_repo_count: of(true).repos,
      total_project_count: of(false).projects + of(true).projects,
      total_repo_count: of(false).repos + of(true).repos,
    };
    if (isSysadmin(principal)) {
      const [{ bytes }] = await this.sql.query<{ bytes: string }>(`SELECT COALESCE(sum(size), 0)::text AS bytes FROM blob WHERE status IN ('none', 'delete')`);
      statistics.total_storage_consumption = Number(bytes);
    }
    return statistics;
  }

  private externalUrl(): string {
    return (this.config.EXTERNAL_URL ?? `http://127.0.0.1:${this.config.PORT}`).replace(/\/$/, '');
  }
}
