import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { ApiError } from '../management/api-error';
import type { Principal } from '@wharf/iam';
import { SystemSettingsService } from '@wharf/projects';
import { auditActorOf } from '../management/audit-actor';
import { requireSysadmin } from '../management/project-authorizer';
import type { Actor } from '../management/current-actor.decorator';
import type { ConfigurationsRequest, ConfigurationsResponse } from './configuration.dto';

/** /configurations: system settings, for system admins (the default project quota, webhooks to the local network). */
@Injectable()
export class ConfigurationManagementService {
  constructor(
    private readonly settings: SystemSettingsService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async get(principal: Principal): Promise<ConfigurationsResponse> {
    requireSysadmin(principal);
    return {
      storage_per_project: { value: await this.settings.defaultStorageLimit(), editable: true },
      webhook_allow_local_network: { value: await this.settings.webhookAllowLocalNetwork(), editable: true },
      project_creation_restriction: { value: await this.settings.projectCreationRestriction(), editable: true },
      banner_message: { value: await this.settings.bannerMessage(), editable: true },
      // what Wharf does and cannot be changed here: shown so Harbor clients read what they expect
      auth_mode: { value: 'db_auth', editable: false },
      primary_auth_mode: { value: false, editable: false },
      self_registration: { value: false, editable: false },
      read_only: { value: false, editable: false },
      quota_per_project_enable: { value: true, editable: false },
      notification_enable: { value: true, editable: false },
      robot_name_prefix: { value: 'robot$', editable: false },
      scanner_skip_update_pulltime: { value: false, editable: false },
      skip_audit_log_database: { value: false, editable: false },
      token_expiration: { value: this.config.TOKEN_EXPIRATION_MINUTES, editable: false },
    };
  }

  /**
   * Existing projects keep their limits; the new default applies to projects created from now on.
   * Webhooks to the local network: checked again at every delivery, so turning it off stops them.
   */
  async update(actor: Actor, request: ConfigurationsRequest): Promise<void> {
    requireSysadmin(actor.principal);
    const limit = request.storage_per_project;
    // all checked before anything is written: a refused request changes nothing
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < -1 || limit === 0)) {
      throw new ApiError('BAD_REQUEST', 'storage_per_project must be a positive number of bytes, or -1 for unlimited');
    }
    if (request.token_expiration !== undefined && request.token_expiration !== this.config.TOKEN_EXPIRATION_MINUTES) {
      throw new ApiError('BAD_REQUEST', `token_expiration is set by TOKEN_EXPIRATION_MINUTES where Wharf starts (now ${this.config.TOKEN_EXPIRATION_MINUTES})`);
    }
    // each setting is audited by SystemSettingsService in the transaction that writes it
    if (limit !== undefined) await this.settings.setDefaultStorageLimit(limit, auditActorOf(actor));
    if (request.webhook_allow_local_network !== undefined) await this.settings.setWebhookAllowLocalNetwork(request.webhook_allow_local_network, auditActorOf(actor));
    if (request.project_creation_restriction !== undefined) await this.settings.setProjectCreationRestriction(request.project_creation_restriction, auditActorOf(actor));
    if (request.banner_message !== undefined) await this.settings.setBannerMessage(request.banner_message, auditActorOf(actor));
  }
}
