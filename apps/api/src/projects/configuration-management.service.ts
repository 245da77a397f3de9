import { Injectable } from '@nestjs/common';
import { AuditLogService } from '@wharf/audit';
import { ApiError } from '@wharf/errors';
import type { Principal } from '@wharf/iam';
import { SystemSettingsService } from '@wharf/projects';
import { requireSysadmin } from '../management/project-authorizer';
import type { Actor } from '../management/current-actor.decorator';
import type { ConfigurationsRequest, ConfigurationsResponse } from './configuration.dto';
import { auditEntry } from './project-audit';

/** /configurations: system settings, for system admins (the default project quota so far). */
@Injectable()
export class ConfigurationManagementService {
  constructor(
    private readonly settings: SystemSettingsService,
    private readonly audit: AuditLogService,
  ) {}

  async get(principal: Principal): Promise<ConfigurationsResponse> {
    requireSysadmin(principal);
    return { storage_per_project: { value: await this.settings.defaultStorageLimit(), editable: true } };
  }

  /** Existing projects keep their limits; the new default applies to projects created from now on. */
  async update(actor: Actor, request: ConfigurationsRequest): Promise<void> {
    requireSysadmin(actor.principal);
    const limit = request.storage_per_project;
    if (limit === undefined) return;
    if (!Number.isSafeInteger(limit) || limit < -1 || limit === 0) {
      throw new ApiError('BAD_REQUEST', 'storage_per_project must be a positive number of bytes, or -1 for unlimited');
    }
    await this.settings.setDefaultStorageLimit(limit);
    this.audit.record(auditEntry(actor, null, 'update', 'configuration', 'storage_per_project'));
  }
}
