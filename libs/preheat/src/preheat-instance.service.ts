import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { SqlClient, escapeLike, type SqlExecutor } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError, PreconditionError } from '@wharf/errors';
import { CredentialVault } from '@wharf/secrets';
import { AUTH_MODES, MASKED_SECRET, PREHEAT_VENDORS, maskAuthInfo, type AuthMode, type PreheatVendor, type DragonflyApiVersion, type InstanceHealth, type PreheatInstance, type PreheatInstanceInput, type ProviderConnection } from './preheat-instance';
import { createPreheatProvider } from './providers/provider-factory';
import { ProviderError } from './providers/preheat-provider';

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

interface InstanceRow {
  id: number;
  name: string;
  description: string;
  vendor: PreheatVendor;
  api_version: string;
  endpoint: string;
  auth_mode: AuthMode;
  auth_info_sealed: string | null;
  enabled: boolean;
  is_default: boolean;
  insecure: boolean;
  status: InstanceHealth;
  status_message: string;
  last_checked: Date | null;
  creation_time: Date;
}

export type HealthOutcome = { ok: true } | { ok: false; message: string };

/**
 * P2P provider instances (Harbor's p2p_preheat_instance): system-level, written by system
 * administrators only. The auth_info is sealed at rest (CredentialVault, as registry endpoint
 * secrets are) and masked in every answer; it is opened only to talk to the provider. Endpoints
 * may be on the local network (an administrator configures them, as registry endpoints), so no
 * address policy applies. An instance a policy uses cannot be deleted (412). Changes are audited
 * (`preheat-instance`, by name, never with auth_info) in their own transaction.
 */
@Injectable()
export class PreheatInstanceService {
  constructor(
    private readonly sql: SqlClient,
    private readonly vault: CredentialVault,
  ) {}

  async list(query: { name?: string; exactName?: boolean; offset: number; limit: number }): Promise<{ items: PreheatInstance[]; total: number }> {
    const params: unknown[] = [];
    let where = '';
    if (query.name !== undefined) {
      params.push(query.exactName ? query.name : `%${escapeLike(query.name)}%`);
      where = query.exactName ? 'WHERE name = $1' : 'WHERE name ILIKE $1';
    }
    const [{ total }] = await this.sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM p2p_preheat_instance ${where}`, params);
    const rows = await this.sql.query<InstanceRow>(`SELECT * FROM p2p_preheat_instance ${where} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params, query.limit, query.offset,
    ]);
    return { items: rows.map((r) => this.toInstance(r)), total };
  }

  async get(name: string): Promise<PreheatInstance> {
    return this.toInstance(await this.rowByName(name));
  }

  async getById(id: number): Promise<PreheatInstance> {
    return this.toInstance(await this.rowById(id));
  }

  /** By id, or null when gone (a policy's instance, in the worker). */
  async find(id: number): Promise<PreheatInstance | null> {
    const rows = await this.sql.query<InstanceRow>(`SELECT * FROM p2p_preheat_instance WHERE id = $1`, [id]);
    return rows[0] ? this.toInstance(rows[0]) : null;
  }

  async create(input: PreheatInstanceInput, actor?: AuditActor): Promise<PreheatInstance> {
    const checked = checkInput(input, null);
    const authInfo = mergeAuthInfo(checked.authMode, input.auth_info, {});
    const row = await this.write(input.name, async (tx) => {
      if (input.default) await tx.query(`UPDATE p2p_preheat_instance SET is_default = false WHERE is_default`);
      const rows = await tx.query<InstanceRow>(
        `INSERT INTO p2p_preheat_instance (name, description, vendor, api_version, endpoint, auth_mode, auth_info_sealed, enabled, is_default, insecure)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [input.name, input.description ?? '', checked.vendor, checked.apiVersion, checked.endpoint, checked.authMode, this.seal(authInfo), input.enabled ?? true, input.default ?? false, input.insecure ?? false],
      );
      await audit(tx, actor, 'create', rows[0].name);
      return rows[0];
    });
    return this.toInstance(row);
  }

  /**
   * Replaces the instance named `name`. auth_info omitted or empty keeps the stored credential
   * unless the mode becomes NONE (Harbor's rule); a value sent back masked keeps its stored value.
   */
  async update(name: string, input: PreheatInstanceInput, actor?: AuditActor): Promise<PreheatInstance> {
    const current = await this.rowByName(name);
    const checked = checkInput(input, current);
    const stored = this.open(current);
    const authInfo = mergeAuthInfo(checked.authMode, input.auth_info, checked.authMode === current.auth_mode ? stored : {}, stored);
    const row = await this.write(input.name ?? name, async (tx) => {
      if (input.default) await tx.query(`UPDATE p2p_preheat_instance SET is_default = false WHERE is_default AND id <> $1`, [current.id]);
      const rows = await tx.query<InstanceRow>(
        `UPDATE p2p_preheat_instance SET name = $2, description = $3, vendor = $4, api_version = $5, endpoint = $6, auth_mode = $7, auth_info_sealed = $8,
                enabled = $9, is_default = $10, insecure = $11, update_time = now()
          WHERE id = $1 RETURNING *`,
        [
          current.id, input.name ?? current.name, input.description ?? current.description, checked.vendor, checked.apiVersion, checked.endpoint, checked.authMode,
          this.seal(authInfo), input.enabled ?? current.enabled, input.default ?? current.is_default, input.insecure ?? current.insecure,
        ],
      );
      if (!rows[0]) throw notFound(name);
      await audit(tx, actor, 'update', rows[0].name);
      return rows[0];
    });
    return this.toInstance(row);
  }

  /** Refused (412) while a preheat policy uses the instance. */
  async delete(name: string, actor?: AuditActor): Promise<void> {
    const current = await this.rowByName(name);
    const users = await this.sql.query<{ policy: string }>(
      `SELECT p.name || ' (project ' || pr.name || ')' AS policy FROM p2p_preheat_policy p JOIN project pr ON pr.project_id = p.project_id WHERE p.provider_id = $1 ORDER BY p.id LIMIT 5`,
      [current.id],
    );
    if (users.length) throw new PreconditionError('in-use', `the instance ${name} is used by preheat policies ${users.map((u) => u.policy).join(', ')}; remove or change them first`);
    try {
      await this.sql.transaction(async (tx) => {
        const rows = await tx.query(`DELETE FROM p2p_preheat_instance WHERE id = $1 RETURNING id`, [current.id]);
        if (!rows.length) throw notFound(name);
        await audit(tx, actor, 'delete', name);
      });
    } catch (error) {
      // a policy created between the check and the delete: the foreign key has the last word
      if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) throw new PreconditionError('in-use', `the instance ${name} is used by a preheat policy`);
      throw error;
    }
  }

  /** The connection of a stored instance, auth_info opened: for adapters only. */
  async connection(id: number): Promise<ProviderConnection> {
    return this.connectionOf(await this.rowById(id));
  }

  /**
   * The connection a ping would use: a stored instance (by id or name) with what the request
   * changes, or a new one described in full. A masked value keeps the stored secret.
   */
  async connectionFor(input: Partial<PreheatInstanceInput> & { id?: number }): Promise<ProviderConnection> {
    const current = input.id ? await this.rowById(input.id) : input.name ? (await this.sql.query<InstanceRow>(`SELECT * FROM p2p_preheat_instance WHERE name = $1`, [input.name]))[0] : undefined;
    if (input.id === undefined && !current && (!input.vendor || !input.endpoint)) throw new InvalidError('request', 'a ping needs an instance id or a vendor and endpoint');
    const checked = checkInput({ name: input.name ?? current?.name ?? 'ping', ...input } as PreheatInstanceInput, current ?? null);
    // a stored secret only ever goes to the endpoint it was stored for: a ping that changes where
    // (or how) to connect uses only what the request carries
    const sameTarget =
      current && checked.endpoint === current.endpoint && checked.vendor === current.vendor && checked.apiVersion === current.api_version && (input.insecure ?? current.insecure) === current.insecure;
    const stored = current && sameTarget ? this.open(current) : {};
    const authInfo = mergeAuthInfo(checked.authMode, input.auth_info, current && sameTarget && checked.authMode === current.auth_mode ? stored : {}, stored);
    return { vendor: checked.vendor, apiVersion: checked.apiVersion as DragonflyApiVersion | '', endpoint: checked.endpoint, authMode: checked.authMode, authInfo, insecure: input.insecure ?? current?.insecure ?? false };
  }

  /** Asks the provider's health path; never throws. */
  async ping(connection: ProviderConnection): Promise<HealthOutcome> {
    try {
      await createPreheatProvider(connection).health();
      return { ok: true };
    } catch (error) {
      return { ok: false, message: error instanceof ProviderError ? error.message : `health check failed: ${(error as Error).message}` };
    }
  }

  /** Checks the stored instance's health and records it (status, message, when). */
  async checkHealth(id: number): Promise<HealthOutcome> {
    const outcome = await this.ping(await this.connection(id));
    await this.sql.query(`UPDATE p2p_preheat_instance SET status = $2, status_message = $3, last_checked = now() WHERE id = $1`, [
      id, outcome.ok ? 'Healthy' : 'Unhealthy', outcome.ok ? '' : outcome.message,
    ]);
    return outcome;
  }

  private connectionOf(row: InstanceRow): ProviderConnection {
    return { vendor: row.vendor, apiVersion: row.api_version as DragonflyApiVersion | '', endpoint: row.endpoint, authMode: row.auth_mode, authInfo: this.open(row), insecure: row.insecure };
  }

  private open(row: InstanceRow): Record<string, string> {
    return row.auth_info_sealed ? (JSON.parse(this.vault.open(row.auth_info_sealed)) as Record<string, string>) : {};
  }

  private seal(info: Record<string, string>): string | null {
    return Object.keys(info).length ? this.vault.seal(JSON.stringify(info)) : null;
  }

  private toInstance(row: InstanceRow): PreheatInstance {
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      vendor: row.vendor,
      api_version: row.api_version,
      endpoint: row.endpoint,
      auth_mode: row.auth_mode,
      auth_info: maskAuthInfo(row.auth_mode, this.open(row)),
      status: row.status,
      status_message: row.status_message,
      enabled: row.enabled,
      default: row.is_default,
      insecure: row.insecure,
      setup_timestamp: Math.floor(row.creation_time.getTime() / 1000),
      last_checked: row.last_checked,
    };
  }

  private async rowByName(name: string): Promise<InstanceRow> {
    const rows = await this.sql.query<InstanceRow>(`SELECT * FROM p2p_preheat_instance WHERE name = $1`, [name]);
    if (!rows[0]) throw notFound(name);
    return rows[0];
  }

  private async rowById(id: number): Promise<InstanceRow> {
    const rows = await this.sql.query<InstanceRow>(`SELECT * FROM p2p_preheat_instance WHERE id = $1`, [id]);
    if (!rows[0]) throw new NotFoundError('preheat-instance', `preheat instance ${id} not found`);
    return rows[0];
  }

  private async write<T>(name: string, change: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.sql.transaction(change);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`a preheat instance named ${name} already exists`);
      throw error;
    }
  }
}

async function audit(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, name: string): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId: null, operation, resourceType: 'preheat-instance', resource: name });
}

const notFound = (name: string) => new NotFoundError('preheat-instance', `preheat instance ${name} not found`);

function checkInput(input: PreheatInstanceInput, current: InstanceRow | null): { vendor: PreheatVendor; apiVersion: string; endpoint: string; authMode: AuthMode } {
  const vendor = (input.vendor ?? current?.vendor) as PreheatVendor;
  if (!PREHEAT_VENDORS.includes(vendor)) throw new InvalidError('request', `unknown vendor ${input.vendor}; known: ${PREHEAT_VENDORS.join(', ')}`);
  const authMode = (input.auth_mode ?? current?.auth_mode ?? 'NONE') as AuthMode;
  if (!AUTH_MODES.includes(authMode)) throw new InvalidError('request', `unknown auth_mode ${input.auth_mode}; known: ${AUTH_MODES.join(', ')}`);
  const requested = input.api_version ?? (current && current.vendor === vendor ? current.api_version : '');
  let apiVersion = '';
  if (vendor === 'dragonfly') {
    apiVersion = requested || 'v2';
    if (apiVersion !== 'v2' && apiVersion !== 'v1') throw new InvalidError('request', `api_version ${requested} is not v2 (the manager's open API) or v1 (the supernode API)`);
  } else if (requested) throw new InvalidError('request', 'api_version applies to dragonfly instances only');
  const raw = input.endpoint ?? current?.endpoint ?? '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidError('request', `endpoint ${raw} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidError('request', 'an endpoint must be an http:// or https:// URL');
  if (url.username || url.password) throw new InvalidError('request', 'an endpoint must not carry credentials; send them in auth_info');
  return { vendor, apiVersion, endpoint: raw.replace(/\/+$/, ''), authMode };
}

/**
 * The auth_info to store: NONE stores nothing; an omitted or empty auth_info keeps `kept`; a
 * masked value keeps the stored value of that key. Each mode's required keys are checked.
 */
function mergeAuthInfo(mode: AuthMode, sent: Record<string, string> | undefined, kept: Record<string, string>, stored: Record<string, string> = kept): Record<string, string> {
  if (mode === 'NONE') return {};
  if (sent && Object.values(sent).some((v) => typeof v !== 'string')) throw new InvalidError('request', 'auth_info values must be strings');
  const info = !sent || Object.keys(sent).length === 0 ? { ...kept } : Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, v === MASKED_SECRET ? (stored[k] ?? '') : v]));
  if (mode === 'BASIC' && (!info.username || !info.password)) throw new InvalidError('request', 'auth_mode BASIC needs auth_info.username and auth_info.password');
  if (mode === 'OAUTH' && !info.token) throw new InvalidError('request', 'auth_mode OAUTH needs auth_info.token (for Dragonfly: a personal access token)');
  if (mode === 'CUSTOM' && Object.keys(info).length !== 1) throw new InvalidError('request', 'auth_mode CUSTOM needs auth_info with exactly one header name and its value');
  if (mode === 'CUSTOM' && !/^[A-Za-z0-9-]+$/.test(Object.keys(info)[0])) throw new InvalidError('request', 'the CUSTOM auth_info key must be a header name');
  return info;
}
