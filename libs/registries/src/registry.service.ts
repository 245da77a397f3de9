import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { AppConfig } from '@wharf/config';
import { SqlClient, escapeLike, sqlOrderBy, type SqlExecutor } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError, PreconditionError } from '@wharf/errors';
import { CredentialVault } from '@wharf/secrets';
import type { RegistryCredential, RegistryEndpoint, RegistryHealth, UpstreamEndpoint } from './registry-endpoint';
import { checkRegistryType, mergeCredential, normaliseRegistryUrl, type RegistryInput } from './registry-input';
import { RegistryReferences } from './registry-references';
import { createUpstreamRegistry } from './upstream/create-upstream-registry';
import type { UpstreamRegistry } from './upstream/upstream-registry';


const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

interface RegistryRow {
  id: number;
  name: string;
  description: string;
  type: RegistryEndpoint['type'];
  url: string;
  insecure: boolean;
  credential_type: RegistryEndpoint['credentialType'];
  access_key: string | null;
  access_secret_sealed: string | null;
  status: RegistryHealth;
  status_message: string;
  last_checked: Date | null;
  creation_time: Date;
  update_time: Date;
}

export interface RegistryListQuery {
  /** a name, matched exactly or (fuzzy) as a substring */
  name?: string;
  exactName?: boolean;
  /** Harbor's `sort` (id, name, creation_time, update_time; `-` descending); by id when absent */
  sort?: string;
  offset: number;
  limit: number;
}

/**
 * Registry endpoints (Harbor's `registry` table): their validation, the sealed secret (opened
 * only for an upstream client, never returned), deletion guarded by whatever still points at
 * an endpoint, and one upstream client per endpoint, rebuilt when the endpoint changes. A change
 * made with an `actor` writes its audit entry (by the endpoint's name, never with the credential)
 * in its own transaction.
 */
@Injectable()
export class RegistryService {
  private readonly clients = new Map<number, { version: number; client: UpstreamRegistry }>();

  constructor(
    private readonly sql: SqlClient,
    private readonly vault: CredentialVault,
    private readonly references: RegistryReferences,
    private readonly config: AppConfig,
  ) {}

  async list(query: RegistryListQuery): Promise<{ items: RegistryEndpoint[]; total: number }> {
    const params: unknown[] = [];
    let where = '';
    if (query.name !== undefined) {
      params.push(query.exactName ? query.name : `%${escapeLike(query.name)}%`);
      where = query.exactName ? 'WHERE name = $1' : 'WHERE name ILIKE $1';
    }
    const [{ total }] = await this.sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM registry ${where}`, params);
    const rows = await this.sql.query<RegistryRow>(`SELECT * FROM registry ${where} ORDER BY ${registryOrderBy(query.sort)}, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params, query.limit, query.offset,
    ]);
    return { items: rows.map(toEndpoint), total };
  }

  async get(id: number): Promise<RegistryEndpoint> {
    return toEndpoint(await this.row(id));
  }

  async exists(id: number): Promise<boolean> {
    return (await this.sql.query(`SELECT 1 FROM registry WHERE id = $1`, [id])).length > 0;
  }

  async create(input: RegistryInput, actor?: AuditActor): Promise<RegistryEndpoint> {
    const type = checkRegistryType(input.type);
    const url = normaliseRegistryUrl(type, input.url);
    const credential = mergeCredential(input.credential, null);
    const row = await this.unique(input.name, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query<RegistryRow>(
          `INSERT INTO registry (name, description, type, url, insecure, credential_type, access_key, access_secret_sealed)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [input.name, input.description ?? '', type, url, input.insecure ?? false, ...this.sealed(credential)],
        );
        await audit(tx, actor, 'create', rows[0].name);
        return rows[0];
      }),
    );
    return toEndpoint(row);
  }

  /** A partial update: what `patch` leaves out stays; a credential sent with a masked or absent secret keeps the stored secret. */
  async update(id: number, patch: Partial<RegistryInput>, actor?: AuditActor): Promise<RegistryEndpoint> {
    const current = await this.row(id);
    const type = patch.type === undefined ? current.type : checkRegistryType(patch.type);
    const url = patch.url === undefined && patch.type === undefined ? current.url : normaliseRegistryUrl(type, patch.url ?? current.url);
    const credential = patch.credential === undefined ? this.credentialOf(current) : mergeCredential(patch.credential, this.credentialOf(current));
    const row = await this.unique(patch.name ?? current.name, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query<RegistryRow>(
          `UPDATE registry SET name = $2, description = $3, type = $4, url = $5, insecure = $6, credential_type = $7, access_key = $8, access_secret_sealed = $9,
                  update_time = clock_timestamp()
            WHERE id = $1 RETURNING *`,
          [id, patch.name ?? current.name, patch.description ?? current.description, type, url, patch.insecure ?? current.insecure, ...this.sealed(credential, current)],
        );
        if (!rows[0]) throw notFound(id);
        await audit(tx, actor, 'update', rows[0].name);
        return rows[0];
      }),
    );
    this.clients.delete(id);
    return toEndpoint(row);
  }

  /** Refused (412) while a project or another registered user of endpoints still points at it. */
  async delete(id: number, actor?: AuditActor): Promise<RegistryEndpoint> {
    const endpoint = await this.get(id);
    const users = await this.references.usersOf(id);
    if (users.length) throw new PreconditionError('in-use', `the registry ${endpoint.name} is referenced by ${users.join(', ')}; remove those first`);
    try {
      await this.sql.transaction(async (tx) => {
        const rows = await tx.query(`DELETE FROM registry WHERE id = $1 RETURNING id`, [id]);
        if (rows.length === 0) throw notFound(id);
        await audit(tx, actor, 'delete', endpoint.name);
      });
    } catch (error) {
      // a project created between the check and the delete: the foreign key has the last word
      if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) throw new PreconditionError('in-use', `the registry ${endpoint.name} is referenced by a project`);
      throw error;
    }
    this.clients.delete(id);
    return endpoint;
  }

  /** What an upstream client needs, the secret opened: for the proxy cache and pings, never for an answer. */
  async upstreamEndpoint(id: number): Promise<UpstreamEndpoint> {
    return this.upstreamEndpointOf(await this.row(id));
  }

  /** The endpoint's client, kept while the endpoint is unchanged (its update_time is the version, so another process's update is seen too). */
  async upstream(id: number): Promise<UpstreamRegistry> {
    const row = await this.row(id);
    const version = row.update_time.getTime();
    const cached = this.clients.get(id);
    if (cached?.version === version) return cached.client;
    const client = createUpstreamRegistry(this.upstreamEndpointOf(row), { timeoutMs: this.config.PROXY_UPSTREAM_TIMEOUT_SECONDS * 1000 });
    this.clients.set(id, { version, client });
    return client;
  }

  /** Records a health check; update_time is left alone (a status is not a change of the endpoint, and would drop the cached client). */
  async setHealth(id: number, status: RegistryHealth, message: string): Promise<void> {
    await this.sql.query(`UPDATE registry SET status = $2, status_message = $3, last_checked = now() WHERE id = $1`, [id, status, message]);
  }

  /** Every endpoint's id, for the health sweep. */
  async ids(): Promise<number[]> {
    return (await this.sql.query<{ id: number }>(`SELECT id FROM registry ORDER BY id`)).map((r) => r.id);
  }

  private upstreamEndpointOf(row: RegistryRow): UpstreamEndpoint {
    return { type: row.type, url: row.url, insecure: row.insecure, credential: this.credentialOf(row) };
  }

  private credentialOf(row: RegistryRow): RegistryCredential | null {
    if (!row.credential_type) return null;
    return { type: row.credential_type, accessKey: row.access_key ?? '', accessSecret: row.access_secret_sealed ? this.vault.open(row.access_secret_sealed) : '' };
  }

  /** The columns of a credential; a secret that did not change keeps its sealed value (a fresh IV would rewrite it for nothing). */
  private sealed(credential: RegistryCredential | null, current?: RegistryRow): [string | null, string | null, string | null] {
    if (!credential) return [null, null, null];
    if (!credential.accessSecret) return [credential.type, credential.accessKey, null];
    const unchanged = current?.access_secret_sealed && this.credentialOf(current)?.accessSecret === credential.accessSecret;
    return [credential.type, credential.accessKey, unchanged ? current.access_secret_sealed : this.vault.seal(credential.accessSecret)];
  }

  private async row(id: number): Promise<RegistryRow> {
    const rows = await this.sql.query<RegistryRow>(`SELECT * FROM registry WHERE id = $1`, [id]);
    if (!rows[0]) throw notFound(id);
    return rows[0];
  }

  private async unique<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`a registry named ${name} already exists`);
      throw error;
    }
  }
}

/** Endpoints are system-level resources: their entries belong to no project. */
async function audit(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, name: string): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId: null, operation, resourceType: 'registry', resource: name });
}

const notFound = (id: number) => new NotFoundError('registry', `registry ${id} not found`);

function toEndpoint(row: RegistryRow): RegistryEndpoint {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.type,
    url: row.url,
    insecure: row.insecure,
    credentialType: row.credential_type,
    accessKey: row.access_key,
    status: row.status,
    statusMessage: row.status_message,
    lastChecked: row.last_checked,
    creationTime: row.creation_time,
    updateTime: row.update_time,
  };
}

const REGISTRY_SORTABLE: Record<string, string> = { id: 'id', name: 'name', creation_time: 'creation_time', update_time: 'update_time' };

function registryOrderBy(sort: string | undefined): string {
  return sqlOrderBy(sort, REGISTRY_SORTABLE, 'id', (key, keys) => {
    throw new InvalidError('request', `cannot sort by "${key}"; sortable: ${keys.join(', ')}`);
  });
}
