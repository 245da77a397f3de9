import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor } from '@wharf/audit';
import { SqlClient } from '@wharf/db';

/**
 * System-wide settings kept in Postgres (Harbor's configurations): the default project quota,
 * whether webhooks may reach the local network. A change made with an `actor` writes its audit
 * entry (a `configuration` named after the setting) in the same transaction.
 */
@Injectable()
export class SystemSettingsService {
  constructor(private readonly sql: SqlClient) {}

  /** Bytes a new project may store, -1 for unlimited. */
  async defaultStorageLimit(): Promise<number> {
    const rows = await this.sql.query<{ value: number }>(`SELECT value FROM system_setting WHERE name = 'storage_per_project'`);
    return rows[0] ? Number(rows[0].value) : -1;
  }

  async setDefaultStorageLimit(bytes: number, actor?: AuditActor): Promise<void> {
    await this.set('storage_per_project', bytes, actor);
  }

  /** Whether webhook targets may be on the local network (loopback, private, link-local...); false unless a system admin allowed it. */
  async webhookAllowLocalNetwork(): Promise<boolean> {
    const rows = await this.sql.query<{ value: boolean }>(`SELECT value FROM system_setting WHERE name = 'webhook_allow_local_network'`);
    return rows[0]?.value === true;
  }

  async setWebhookAllowLocalNetwork(allowed: boolean, actor?: AuditActor): Promise<void> {
    await this.set('webhook_allow_local_network', allowed, actor);
  }

  /** Harbor's project_creation_restriction: whether every user (the default) or only system admins create projects. */
  async projectCreationRestriction(): Promise<'everyone' | 'adminonly'> {
    const rows = await this.sql.query<{ value: string }>(`SELECT value FROM system_setting WHERE name = 'project_creation_restriction'`);
    return rows[0]?.value === 'adminonly' ? 'adminonly' : 'everyone';
  }

  async setProjectCreationRestriction(restriction: 'everyone' | 'adminonly', actor?: AuditActor): Promise<void> {
    await this.set('project_creation_restriction', restriction, actor);
  }

  /** Harbor's banner_message (a JSON string its UI shows on every page); '' when none. */
  async bannerMessage(): Promise<string> {
    const rows = await this.sql.query<{ value: string }>(`SELECT value FROM system_setting WHERE name = 'banner_message'`);
    return typeof rows[0]?.value === 'string' ? rows[0].value : '';
  }

  async setBannerMessage(message: string, actor?: AuditActor): Promise<void> {
    await this.set('banner_message', message, actor);
  }

  private async set(name: string, value: unknown, actor: AuditActor | undefined): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO system_setting (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, update_time = now()`,
        [name, JSON.stringify(value)],
      );
      if (actor) await AuditTrail.write(tx, actor, { projectId: null, operation: 'update', resourceType: 'configuration', resource: name });
    });
  }
}
