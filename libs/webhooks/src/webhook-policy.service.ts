import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError } from '@wharf/errors';
import { EVENT_TYPES, type EventType } from '@wharf/events';
import { SystemSettingsService } from '@wharf/projects';
import { CredentialVault } from '@wharf/secrets';
import { targetsLocalNetwork } from './webhook-address-policy';
import { MASKED_SECRET, type WebhookPolicy, type WebhookPolicyInput, type WebhookTarget } from './webhook-policy';

const COLUMNS = `w.id, w.name, w.description, w.project_id, w.targets, w.event_types, w.enabled, w.creator, w.creation_time, w.update_time`;
const UNIQUE_VIOLATION = '23505';

/**
 * Webhook policies of a project: stored with their targets' secrets sealed (CredentialVault),
 * which only deliveries open. A target on the local network is refused unless a system admin
 * allowed it (see webhook-address-policy).
 */
@Injectable()
export class WebhookPolicyService {
  constructor(
    private readonly sql: SqlClient,
    private readonly vault: CredentialVault,
    private readonly settings: SystemSettingsService,
  ) {}

  async list(projectId: number, page: { offset: number; limit: number }): Promise<{ items: WebhookPolicy[]; total: number }> {
    const [{ total }] = await this.sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM webhook_policy WHERE project_id = $1`, [projectId]);
    const items = await this.sql.query<WebhookPolicy>(`SELECT ${COLUMNS} FROM webhook_policy w WHERE w.project_id = $1 ORDER BY w.id LIMIT $2 OFFSET $3`, [
      projectId, page.limit, page.offset,
    ]);
    return { items, total };
  }

  async get(projectId: number, id: number): Promise<WebhookPolicy> {
    const rows = await this.sql.query<WebhookPolicy>(`SELECT ${COLUMNS} FROM webhook_policy w WHERE w.project_id = $1 AND w.id = $2`, [projectId, id]);
    if (!rows[0]) throw new NotFoundError('webhook-policy', `webhook policy ${id} not found`);
    return rows[0];
  }

  /** By id alone (deliveries); null once deleted. */
  async find(id: number): Promise<WebhookPolicy | null> {
    return (await this.sql.query<WebhookPolicy>(`SELECT ${COLUMNS} FROM webhook_policy w WHERE w.id = $1`, [id]))[0] ?? null;
  }

  async create(projectId: number, input: WebhookPolicyInput, creator: string): Promise<WebhookPolicy> {
    const targets = normaliseTargets(input.targets, [], (secret) => this.vault.seal(secret));
    await this.checkNetwork(targets);
    const eventTypes = normaliseEventTypes(input.event_types);
    const rows = await this.unique(input.name, () =>
      this.sql.query<{ id: number }>(
        `INSERT INTO webhook_policy (project_id, name, description, targets, event_types, enabled, creator) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [projectId, input.name, input.description ?? '', JSON.stringify(targets), eventTypes, input.enabled ?? true, creator],
      ),
    );
    return this.get(projectId, rows[0].id);
  }

  /** Replaces a policy; a target whose auth_header comes back masked keeps the stored header of the target at that address. */
  async update(projectId: number, id: number, input: WebhookPolicyInput): Promise<WebhookPolicy> {
    const current = await this.get(projectId, id);
    const targets = normaliseTargets(input.targets, current.targets, (secret) => this.vault.seal(secret));
    await this.checkNetwork(targets);
    const eventTypes = normaliseEventTypes(input.event_types);
    await this.unique(input.name, () =>
      this.sql.query(
        `UPDATE webhook_policy SET name = $3, description = $4, targets = $5, event_types = $6, enabled = $7, update_time = now() WHERE project_id = $1 AND id = $2`,
        [projectId, id, input.name, input.description ?? '', JSON.stringify(targets), eventTypes, input.enabled ?? true],
      ),
    );
    return this.get(projectId, id);
  }

  async delete(projectId: number, id: number): Promise<void> {
    const rows = await this.sql.query(`DELETE FROM webhook_policy WHERE project_id = $1 AND id = $2 RETURNING id`, [projectId, id]);
    if (rows.length === 0) throw new NotFoundError('webhook-policy', `webhook policy ${id} not found`);
  }

  /** Harbor's /webhook/lasttrigger: per policy and event type, when it last fired (from its executions). */
  async lastTriggers(projectId: number): Promise<{ policy_name: string; event_type: string; enabled: boolean; creation_time: Date; last_trigger_time: Date }[]> {
    return this.sql.query(
      `SELECT w.name AS policy_name, e.extra_attrs->>'event_type' AS event_type, w.enabled, w.creation_time, max(e.start_time) AS last_trigger_time
         FROM webhook_policy w JOIN execution e ON e.vendor_type = 'WEBHOOK' AND e.vendor_id = w.id
        WHERE w.project_id = $1
        GROUP BY w.id, w.name, w.enabled, w.creation_time, e.extra_attrs->>'event_type'
        ORDER BY w.id, event_type`,
      [projectId],
    );
  }

  /** Enabled policies of the project named `projectName` that want `type`. */
  async matching(tx: SqlExecutor, projectName: string, type: EventType): Promise<WebhookPolicy[]> {
    return tx.query<WebhookPolicy>(
      `SELECT ${COLUMNS} FROM webhook_policy w JOIN project p ON p.project_id = w.project_id
        WHERE p.name = $1 AND w.enabled AND $2 = ANY(w.event_types) ORDER BY w.id`,
      [projectName, type],
    );
  }

  /** 400 when a target's host is, or resolves to, a local network address and that is not allowed. */
  private async checkNetwork(targets: WebhookTarget[]): Promise<void> {
    if (await this.settings.webhookAllowLocalNetwork()) return;
    for (const target of targets) {
      if (await targetsLocalNetwork(new URL(target.address))) {
        throw new InvalidError(
          'request',
          `target address ${target.address} is on the local network (loopback, private, link-local or similar), which webhooks may not reach; a system administrator can allow it (configuration webhook_allow_local_network)`,
        );
      }
    }
  }

  private async unique<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`a webhook policy named ${name} already exists in this project`);
      throw error;
    }
  }
}

function normaliseEventTypes(types: EventType[]): EventType[] {
  if (!types?.length) throw new InvalidError('request', 'event_types needs at least one event type');
  const unknown = types.find((t) => !EVENT_TYPES.includes(t));
  if (unknown) throw new InvalidError('request', `unknown event type ${unknown}; known: ${EVENT_TYPES.join(', ')}`);
  return [...new Set(types)];
}

/** Targets given for a test event: checked as a policy's are, their auth headers kept in clear (never stored). */
export function normaliseTestTargets(targets: Partial<WebhookTarget>[]): WebhookTarget[] {
  return normaliseTargets(targets, [], (secret) => secret);
}

/** `seal`: a new auth header is stored sealed; one sent back masked keeps the stored (sealed) value of the target at that address. */
function normaliseTargets(targets: Partial<WebhookTarget>[], current: WebhookTarget[], seal: (secret: string) => string): WebhookTarget[] {
  if (!targets?.length) throw new InvalidError('request', 'targets needs at least one target');
  return targets.map((target) => {
    const type = target.type ?? 'http';
    if (type !== 'http') throw new InvalidError('request', `unsupported target type ${type}; the only type is http`);
    let url: URL;
    try {
      url = new URL(target.address ?? '');
    } catch {
      throw new InvalidError('request', `target address ${target.address ?? ''} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidError('request', 'a target address must be an http:// or https:// URL');
    // it would be stored, shown and logged in clear: a secret goes in auth_header, which is sealed and masked
    if (url.username || url.password) throw new InvalidError('request', 'a target address must not carry credentials (user:password@); send them in auth_header');
    const format = target.payload_format ?? 'Default';
    if (format !== 'CloudEvents' && format !== 'Default') throw new InvalidError('request', `unknown payload_format ${format}; known: CloudEvents, Default`);
    const authHeader = target.auth_header === MASKED_SECRET ? (current.find((c) => c.address === target.address)?.auth_header ?? '') : target.auth_header ? seal(target.auth_header) : '';
    return { type, address: url.toString(), auth_header: authHeader, skip_cert_verify: target.skip_cert_verify ?? false, payload_format: format };
  });
}
