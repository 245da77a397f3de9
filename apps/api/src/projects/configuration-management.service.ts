import { Injectable } from '@nestjs/common';
import { ApiError } from '@wharf/errors';
import type { Principal } from '@wharf/iam';
import { SystemSettingsService } from '@wharf/projects';
import { auditActorOf } from '../management/audit-actor';
import { requireSysadmin } from '../management/project-authorizer';
import type { Actor } from '../management/current-actor.decorator';
import type { ConfigurationsRequest, ConfigurationsResponse } from './configuration.dto';

/** /configurations: system settings, for system admins (the default project quota, webhooks to the local network). */
@Injectable()
export class ConfigurationManagementService {
  constructor(private readonly settings: SystemSettingsService) {}

  async get(principal: Principal): Promise<ConfigurationsResponse> {
    requireSysadmin(principal);
    return {
      storage_per_project: { value: await this.settings.defaultStorageLimit(), editable: true },
      webhook_allow_local_network: { value: await this.settings.webhookAllowLocalNetwork(), editable: true },
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
    // each setting is audited by SystemSettingsService in the transaction that writes it
    if (limit !== undefined) await this.settings.setDefaultStorageLimit(limit, auditActorOf(actor));
    if (request.webhook_allow_local_network !== undefined) await this.settings.setWebhookAllowLocalNetwork(request.webhook_allow_local_network, auditActorOf(actor));
  }
}
