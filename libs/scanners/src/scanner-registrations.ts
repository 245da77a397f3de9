import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { ConflictError, NotFoundError, PreconditionError } from '@wharf/errors';
import { CredentialVault } from '@wharf/secrets';
import { randomUUID } from 'node:crypto';

/** Harbor's auth types of a scanner registration (what Wharf sends the adapter); '' is None. */
export type ScannerAuth = '' | 'Basic' | 'Bearer' | 'X-ScannerAdapter-API-Key';
export type ScannerHealth = 'healthy' | 'unhealthy' | 'unknown';

/** A scanner registration as Harbor's API words it (`access_credential` never leaves sealed storage here). */
export interface ScannerRegistration {
  uuid: string;
  name: string;
  description: string;
  url: string;
  auth: ScannerAuth;
  skipCertVerify: boolean;
  useInternalAddr: boolean;
  isDefault: boolean;
  disabled: boolean;
  /** whether a credential is stored (it is never shown) */
  hasCredential: boolean;
  health: ScannerHealth;
  healthMessage: string | null;
  lastChecked: Date | null;
  adapter: string | null;
  vendor: string | null;
  version: string | null;
  createTime: Date;
  updateTime: Date;
}

export interface NewScannerRegistration {
  name: string;
  description: string;
  url: string;
  auth: ScannerAuth;
  /** in clear; sealed before it is stored */
  accessCredential?: string;
  isDefault: boolean;
  skipCertVerify?: boolean;
  useInternalAddr?: boolean;
  disabled?: boolean;
}

/** Fields of an update; absent ones keep their value; `accessCredential: undefined` keeps the stored one. */
export type ScannerRegistrationChanges = Partial<Omit<NewScannerRegistration, 'isDefault' | 'accessCredential'>> & { accessCredential?: string | null };

/** What a metadata call said of an adapter. */
export interface ScannerCheck {
  healthy: boolean;
  message?: string;
  scanner?: { name: string; vendor: string; version: string };
}

interface RegistrationRow {
  uuid: string;
  name: string;
  description: string | null;
  url: string;
  auth: ScannerAuth;
  skip_cert_verify: boolean;
  use_internal_addr: boolean;
  is_default: boolean;
  disabled: boolean;
  has_credential: boolean;
  health: ScannerHealth;
  health_message: string | null;
  last_checked: Date | null;
  adapter: string | null;
  vendor: string | null;
  version: string | null;
  create_time: Date;
  update_time: Date;
}

const COLUMNS =
  'uuid, name, description, url, auth, skip_cert_verify, use_internal_addr, is_default, disabled, (access_cred IS NOT NULL) AS has_credential, health, health_message, last_checked, adapter, vendor, version, create_time, update_time';
const toRegistration = (row: RegistrationRow): ScannerRegistration => ({
  uuid: row.uuid,
  name: row.name,
  description: row.description ?? '',
  url: row.url,
  auth: row.auth,
  skipCertVerify: row.skip_cert_verify,
  useInternalAddr: row.use_internal_addr,
  isDefault: row.is_default,
  disabled: row.disabled,
  hasCredential: row.has_credential,
  health: row.health,
  healthMessage: row.health_message,
  lastChecked: row.last_checked,
  adapter: row.adapter,
  vendor: row.vendor,
  version: row.version,
  createTime: row.create_time,
  updateTime: row.update_time,
});

/** Lock key of the "first registration" bootstrap (any number, the same in every replica). */
const BOOTSTRAP_LOCK = 7_305_212_001;
const UNIQUE_VIOLATION = '23505';
/** project_metadata key of a project's scanner (Harbor's) */
export const PROJECT_SCANNER_KEY = 'projectScanner';

/**
 * The only writer of `scanner_registration` (Harbor's table): registrations, their sealed
 * credentials, the default one, their health, and each project's choice (project metadata
 * `projectScanner`, as Harbor keeps it). Changes made with an actor write their audit entry
 * (resource type `scanner`, by name, never with the credential) in the change's transaction.
 */
@Injectable()
export class ScannerRegistrations {
  constructor(
    private readonly sql: SqlClient,
    private readonly vault: CredentialVault,
  ) {}

  async list(filter: { name?: string; exactName?: boolean; offset?: number; limit?: number } = {}): Promise<{ items: ScannerRegistration[]; total: number }> {
    const params: unknown[] = [];
    let where = '';
    if (filter.name) {
      params.push(filter.exactName ? filter.name : `%${filter.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where = filter.exactName ? 'WHERE name = $1' : 'WHERE name ILIKE $1';
    }
    const [{ count }] = await this.sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM scanner_registration ${where}`, params);
    const paging = filter.limit ? ` LIMIT ${Math.max(1, Math.floor(filter.limit))} OFFSET ${Math.max(0, Math.floor(filter.offset ?? 0))}` : '';
    const rows = await this.sql.query<RegistrationRow>(`SELECT ${COLUMNS} FROM scanner_registration ${where} ORDER BY id${paging}`, params);
    return { items: rows.map(toRegistration), total: count };
  }

  async find(uuid: string): Promise<ScannerRegistration | null> {
    const [row] = await this.sql.query<RegistrationRow>(`SELECT ${COLUMNS} FROM scanner_registration WHERE uuid = $1`, [uuid]);
    return row ? toRegistration(row) : null;
  }

  async get(uuid: string): Promise<ScannerRegistration> {
    const found = await this.find(uuid);
    if (!found) throw notFound(uuid);
    return found;
  }

  async getDefault(): Promise<ScannerRegistration | null> {
    const [row] = await this.sql.query<RegistrationRow>(`SELECT ${COLUMNS} FROM scanner_registration WHERE is_default`);
    return row ? toRegistration(row) : null;
  }

  /** The credential Wharf sends the adapter, opened from its sealed form. */
  async accessCredential(uuid: string): Promise<string | null> {
    const [row] = await this.sql.query<{ access_cred: string | null }>(`SELECT access_cred FROM scanner_registration WHERE uuid = $1`, [uuid]);
    if (!row?.access_cred) return null;
    return CredentialVault.isSealed(row.access_cred) ? this.vault.open(row.access_cred) : row.access_cred;
  }

  /** A new registration (the default one when it is the first), with what its metadata call said. */
  async create(registration: NewScannerRegistration, check: ScannerCheck | null, actor?: AuditActor): Promise<ScannerRegistration> {
    const sealed = registration.accessCredential ? this.vault.seal(registration.accessCredential) : null;
    return this.unique(registration.name, registration.url, () =>
      this.sql.transaction(async (tx) => {
        const [{ count }] = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM scanner_registration');
        const makeDefault = registration.isDefault || count === 0;
        if (makeDefault) await tx.query('UPDATE scanner_registration SET is_default = false WHERE is_default');
        const [row] = await tx.query<RegistrationRow>(
          `INSERT INTO scanner_registration (uuid, name, description, url, auth, access_cred, is_default, skip_cert_verify, use_internal_addr, disabled)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING uuid`,
          [
            randomUUID(), registration.name, registration.description, registration.url, registration.auth, sealed, makeDefault,
            registration.skipCertVerify ?? false, registration.useInternalAddr ?? false, registration.disabled ?? false,
          ],
        );
        if (check) await recordCheck(tx, row.uuid, check);
        await audit(tx, actor, 'create', registration.name);
        return this.getIn(tx, row.uuid);
      }),
    );
  }

  async update(uuid: string, changes: ScannerRegistrationChanges, check: ScannerCheck | null, actor?: AuditActor): Promise<ScannerRegistration> {
    const sets: string[] = [];
    const params: unknown[] = [uuid];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.name !== undefined) set('name', changes.name);
    if (changes.description !== undefined) set('description', changes.description);
    if (changes.url !== undefined) set('url', changes.url);
    if (changes.auth !== undefined) set('auth', changes.auth);
    if (changes.accessCredential !== undefined) set('access_cred', changes.accessCredential ? this.vault.seal(changes.accessCredential) : null);
    if (changes.skipCertVerify !== undefined) set('skip_cert_verify', changes.skipCertVerify);
    if (changes.useInternalAddr !== undefined) set('use_internal_addr', changes.useInternalAddr);
    if (changes.disabled !== undefined) set('disabled', changes.disabled);
    sets.push('update_time = now()');
    return this.unique(changes.name ?? '', changes.url ?? '', () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query<{ name: string; immutable: boolean }>(`UPDATE scanner_registration SET ${sets.join(', ')} WHERE uuid = $1 RETURNING name, immutable`, params);
        if (rows.length === 0) throw notFound(uuid);
        if (check) await recordCheck(tx, uuid, check);
        await audit(tx, actor, 'update', rows[0].name);
        return this.getIn(tx, uuid);
      }),
    );
  }

  /** Removes a registration; the default one is kept (412) while others exist, as Harbor does. */
  async delete(uuid: string, actor?: AuditActor): Promise<ScannerRegistration> {
    return this.sql.transaction(async (tx) => {
      const found = await this.findIn(tx, uuid, true);
      if (!found) throw notFound(uuid);
      if (found.isDefault) {
        const [{ count }] = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM scanner_registration');
        if (count > 1) throw new PreconditionError('in-use', `scanner ${found.name} is the default one: make another the default first`);
      }
      await tx.query(`DELETE FROM project_metadata WHERE name = $1 AND value = $2`, [PROJECT_SCANNER_KEY, uuid]);
      await tx.query('DELETE FROM scanner_registration WHERE uuid = $1', [uuid]);
      await audit(tx, actor, 'delete', found.name);
      return found;
    });
  }

  /** PATCH {"is_default": true}: this one becomes the default (a disabled one may not). */
  async setDefault(uuid: string, actor?: AuditActor): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const found = await this.findIn(tx, uuid, true);
      if (!found) throw notFound(uuid);
      if (found.disabled) throw new PreconditionError('disabled', `scanner ${found.name} is disabled`);
      await tx.query('UPDATE scanner_registration SET is_default = false WHERE is_default AND uuid <> $1', [uuid]);
      await tx.query('UPDATE scanner_registration SET is_default = true, update_time = now() WHERE uuid = $1', [uuid]);
      await audit(tx, actor, 'update', found.name);
    });
  }

  /** Records what the last metadata call said (health, and the adapter's name, vendor, version). */
  async recordHealth(uuid: string, check: ScannerCheck): Promise<void> {
    await recordCheck(this.sql, uuid, check);
  }

  /** The registration a project's scans use: its own choice when enabled, else the default; null when none. */
  async forProject(projectId: number): Promise<ScannerRegistration | null> {
    const [row] = await this.sql.query<RegistrationRow>(
      `SELECT ${COLUMNS} FROM scanner_registration
        WHERE uuid = (SELECT value FROM project_metadata WHERE project_id = $1 AND name = $2) AND NOT disabled`,
      [projectId, PROJECT_SCANNER_KEY],
    );
    if (row) return toRegistration(row);
    const fallback = await this.getDefault();
    return fallback && !fallback.disabled ? fallback : null;
  }

  /** Sets a project's scanner (an enabled registration). */
  async setForProject(projectId: number, projectName: string, uuid: string, actor?: AuditActor): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const found = await this.findIn(tx, uuid, true);
      if (!found) throw notFound(uuid);
      if (found.disabled) throw new PreconditionError('disabled', `scanner ${found.name} is disabled`);
      await tx.query(`DELETE FROM project_metadata WHERE project_id = $1 AND name = $2`, [projectId, PROJECT_SCANNER_KEY]);
      await tx.query(`INSERT INTO project_metadata (project_id, name, value) VALUES ($1, $2, $3)`, [projectId, PROJECT_SCANNER_KEY, uuid]);
      if (actor) await AuditTrail.write(tx, actor, { projectId, operation: 'update', resourceType: 'project', resource: `${projectName} scanner ${found.name}` });
    });
  }

  /**
   * Registers the scanner only when no registration exists at all: the first start of a fresh
   * install. Several replicas starting together register it once (a transaction-scoped advisory
   * lock orders them; the later ones find the row). Null when there was one already.
   */
  async registerFirst(registration: NewScannerRegistration): Promise<ScannerRegistration | null> {
    const sealed = registration.accessCredential ? this.vault.seal(registration.accessCredential) : null;
    return this.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      const [{ count }] = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM scanner_registration');
      if (count > 0) return null;
      const [row] = await tx.query<{ uuid: string }>(
        `INSERT INTO scanner_registration (uuid, name, description, url, auth, access_cred, is_default)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING uuid`,
        [randomUUID(), registration.name, registration.description, registration.url, registration.auth, sealed, registration.isDefault],
      );
      return this.getIn(tx, row.uuid);
    });
  }

  private async findIn(tx: SqlExecutor, uuid: string, lock = false): Promise<ScannerRegistration | null> {
    const [row] = await tx.query<RegistrationRow>(`SELECT ${COLUMNS} FROM scanner_registration WHERE uuid = $1${lock ? ' FOR UPDATE' : ''}`, [uuid]);
    return row ? toRegistration(row) : null;
  }

  private async getIn(tx: SqlExecutor, uuid: string): Promise<ScannerRegistration> {
    const found = await this.findIn(tx, uuid);
    if (!found) throw notFound(uuid);
    return found;
  }

  private async unique<T>(name: string, url: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        const constraint = (error as { constraint?: string }).constraint ?? '';
        throw new ConflictError(constraint.includes('url') ? `a scanner with the url ${url} is already registered` : `a scanner named ${name} already exists`);
      }
      throw error;
    }
  }
}

async function recordCheck(tx: SqlExecutor, uuid: string, check: ScannerCheck): Promise<void> {
  await tx.query(
    `UPDATE scanner_registration SET health = $2, health_message = $3, last_checked = now(),
       adapter = COALESCE($4, adapter), vendor = COALESCE($5, vendor), version = COALESCE($6, version) WHERE uuid = $1`,
    [uuid, check.healthy ? 'healthy' : 'unhealthy', check.message?.slice(0, 1024) ?? null, check.scanner?.name ?? null, check.scanner?.vendor ?? null, check.scanner?.version ?? null],
  );
}

/** Registrations are system-level resources: their entries belong to no project. */
async function audit(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, name: string): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId: null, operation, resourceType: 'scanner', resource: name });
}

const notFound = (uuid: string) => new NotFoundError('scanner', `scanner ${uuid} not found`);
