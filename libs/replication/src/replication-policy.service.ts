import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { SqlClient, escapeLike, type SqlExecutor } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError, PreconditionError } from '@wharf/errors';
import { ExecutionService, InvalidCronError, JobName, ScheduleService, nextFireTime } from '@wharf/jobs';
import { RegistryReferences, RegistryService, type RegistryEndpoint } from '@wharf/registries';
import { checkNamespace, maxReplaceCount, normaliseFilters } from './replication-filters';
import {
  REPLICATION_VENDOR, TRIGGER_TYPES,
  type PolicyFields, type ReplicationFilter, type ReplicationPolicy, type ReplicationPolicyInput, type ReplicationTrigger, type TriggerType,
} from './replication-policy';
import { pushRefusal, takesChunks } from './registry-info';

const UNIQUE_VIOLATION = '23505';

interface PolicyRow {
  id: number;
  name: string;
  description: string;
  src_registry_id: number | null;
  dest_registry_id: number | null;
  dest_namespace: string;
  dest_namespace_replace_count: number;
  trigger: ReplicationTrigger;
  filters: ReplicationFilter[];
  replicate_deletion: boolean;
  override: boolean;
  enabled: boolean;
  speed: number;
  copy_by_chunk: boolean;
  single_active_replication: boolean;
  creator: string;
  creation_time: Date;
  update_time: Date;
}

export interface PolicyListQuery {
  /** a name, matched exactly or (fuzzy) as a substring */
  name?: string;
  exactName?: boolean;
  offset: number;
  limit: number;
}

/**
 * Replication policies: validated as Harbor validates them (and a little more: a destination
 * namespace replace count the filters cannot satisfy, a label filter on a remote source, a push
 * to an endpoint that takes none), stored with their schedule (a scheduled policy's job scheduler
 * is written in the policy's transaction), audited in the change's transaction, and counted as
 * users of the registry endpoints they name (such an endpoint cannot be deleted).
 */
@Injectable()
export class ReplicationPolicyService implements OnModuleInit {
  constructor(
    private readonly sql: SqlClient,
    private readonly registries: RegistryService,
    private readonly references: RegistryReferences,
    private readonly schedules: ScheduleService,
    private readonly executions: ExecutionService,
  ) {}

  onModuleInit(): void {
    this.references.register(async (registryId) => {
      const rows = await this.sql.query<{ name: string }>(
        `SELECT name FROM replication_policy WHERE src_registry_id = $1 OR dest_registry_id = $1 ORDER BY name LIMIT 10`,
        [registryId],
      );
      return rows.map((r) => `replication policy ${r.name}`);
    });
  }

  async list(query: PolicyListQuery): Promise<{ items: ReplicationPolicy[]; total: number }> {
    const params: unknown[] = [];
    let where = '';
    if (query.name !== undefined) {
      params.push(query.exactName ? query.name : `%${escapeLike(query.name)}%`);
      where = query.exactName ? 'WHERE name = $1' : 'WHERE name ILIKE $1';
    }
    const [{ total }] = await this.sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM replication_policy ${where}`, params);
    const rows = await this.sql.query<PolicyRow>(`SELECT * FROM replication_policy ${where} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params, query.limit, query.offset,
    ]);
    return { items: rows.map(toPolicy), total };
  }

  async get(id: number): Promise<ReplicationPolicy> {
    const policy = await this.find(id);
    if (!policy) throw notFound(id);
    return policy;
  }

  /** null once deleted (a worker's run of a policy deleted meanwhile). */
  async find(id: number, db: SqlExecutor = this.sql): Promise<ReplicationPolicy | null> {
    const rows = await db.query<PolicyRow>(`SELECT * FROM replication_policy WHERE id = $1`, [id]);
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  /** Enabled push-based policies triggered by events (the event consumer's candidates). */
  async eventBased(db: SqlExecutor): Promise<ReplicationPolicy[]> {
    const rows = await db.query<PolicyRow>(
      `SELECT * FROM replication_policy WHERE enabled AND src_registry_id IS NULL AND trigger->>'type' = 'event_based' ORDER BY id`,
    );
    return rows.map(toPolicy);
  }

  async create(input: ReplicationPolicyInput, creator: string, actor?: AuditActor): Promise<ReplicationPolicy> {
    const fields = await this.validate(input);
    const id = await this.unique(fields.name, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query<{ id: number }>(
          `INSERT INTO replication_policy (name, description, src_registry_id, dest_registry_id, dest_namespace, dest_namespace_replace_count, trigger, filters,
                                           replicate_deletion, override, enabled, speed, copy_by_chunk, single_active_replication, creator)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
          [...columnValues(fields), creator],
        );
        await audit(tx, actor, 'create', fields.name);
        await this.syncSchedule(tx, rows[0].id, fields);
        return rows[0].id;
      }),
    );
    return this.get(id);
  }

  /** Replaces the policy (Harbor's PUT sends it whole); its schedule follows. */
  async update(id: number, input: ReplicationPolicyInput, actor?: AuditActor): Promise<ReplicationPolicy> {
    await this.get(id);
    const fields = await this.validate(input);
    await this.unique(fields.name, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query(
          `UPDATE replication_policy SET name = $2, description = $3, src_registry_id = $4, dest_registry_id = $5, dest_namespace = $6,
                  dest_namespace_replace_count = $7, trigger = $8, filters = $9, replicate_deletion = $10, override = $11, enabled = $12,
                  speed = $13, copy_by_chunk = $14, single_active_replication = $15, update_time = clock_timestamp()
            WHERE id = $1 RETURNING id`,
          [id, ...columnValues(fields)],
        );
        if (rows.length === 0) throw notFound(id);
        await audit(tx, actor, 'update', fields.name);
        await this.syncSchedule(tx, id, fields);
      }),
    );
    return this.get(id);
  }

  /** Refused (412) while one of its executions runs, as Harbor refuses it; its schedule and its executions go with it. */
  async delete(id: number, actor?: AuditActor): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const rows = await tx.query<{ name: string }>(`SELECT name FROM replication_policy WHERE id = $1 FOR UPDATE`, [id]);
      if (!rows[0]) throw notFound(id);
      const running = await tx.query<{ id: number }>(
        `SELECT id FROM execution WHERE vendor_type = $1 AND vendor_id = $2 AND status IN ('Pending', 'Running') ORDER BY id LIMIT 1`,
        [REPLICATION_VENDOR, id],
      );
      if (running[0]) throw new PreconditionError('in-use', `the replication policy ${rows[0].name} has a running execution (${running[0].id}); stop it first`);
      await tx.query(`DELETE FROM replication_policy WHERE id = $1`, [id]);
      // as Harbor: the policy's history goes with it
      await this.executions.deleteByVendor(REPLICATION_VENDOR, id, tx);
      await audit(tx, actor, 'delete', rows[0].name);
      await this.schedules.remove(REPLICATION_VENDOR, id, undefined, tx);
    });
  }

  /** A scheduled, enabled policy has a job scheduler firing its cron; any other has none. */
  private async syncSchedule(tx: SqlExecutor, id: number, fields: PolicyFields): Promise<void> {
    if (fields.enabled && fields.trigger.type === 'scheduled') {
      await this.schedules.set(
        REPLICATION_VENDOR,
        { vendorId: id, type: 'Custom', cron: fields.trigger.trigger_settings.cron, parameters: { policy_id: id } },
        JobName.ScheduledReplication,
        { policyId: id },
        undefined,
        tx,
      );
    } else {
      await this.schedules.remove(REPLICATION_VENDOR, id, undefined, tx);
    }
  }

  private async validate(input: ReplicationPolicyInput): Promise<PolicyFields> {
    const name = input.name?.trim();
    if (!name) throw new InvalidError('request', 'a replication policy needs a name');
    const srcRegistryId = input.srcRegistryId || null;
    const destRegistryId = input.destRegistryId || null;
    if ((srcRegistryId === null) === (destRegistryId === null)) {
      throw new InvalidError('request', 'either src_registry or dest_registry should be empty and the other one shouldn\'t be empty (the empty one is this Wharf)');
    }
    const endpoint = await this.endpoint((srcRegistryId ?? destRegistryId)!);
    const pushBased = srcRegistryId === null;
    if (pushBased) {
      const refusal = pushRefusal(endpoint);
      if (refusal) throw new InvalidError('request', refusal);
    }
    const copyByChunk = input.copyByChunk ?? false;
    if (copyByChunk && pushBased && !takesChunks(endpoint.type)) throw new InvalidError('request', `a ${endpoint.type} endpoint does not take chunked uploads (copy_by_chunk)`);

    const trigger = normaliseTrigger(input.trigger);
    if (trigger.type === 'event_based' && !pushBased) throw new InvalidError('request', 'an event_based trigger reacts to pushes into this Wharf: it needs this Wharf as the source');
    const singleActiveReplication = input.singleActiveReplication ?? false;
    if (singleActiveReplication && trigger.type === 'event_based') throw new InvalidError('request', 'single active replication is not allowed for event_based triggers');

    const filters = normaliseFilters(input.filters);
    if (!pushBased && filters.some((f) => f.type === 'label')) throw new InvalidError('request', 'a label filter needs this Wharf as the source: remote registries do not tell their labels');

    const destNamespace = (input.destNamespace ?? '').trim();
    checkNamespace(destNamespace);
    const destNamespaceReplaceCount = input.destNamespaceReplaceCount ?? -1;
    if (!Number.isInteger(destNamespaceReplaceCount) || destNamespaceReplaceCount < -1 || destNamespaceReplaceCount > 127) {
      throw new InvalidError('request', 'dest_namespace_replace_count is -1 (flatten to the last segment), 0 (keep the path) or the number of leading segments to drop');
    }
    const most = maxReplaceCount(filters);
    if (destNamespace && most !== null && destNamespaceReplaceCount > most) {
      throw new InvalidError(
        'request',
        `dest_namespace_replace_count ${destNamespaceReplaceCount} is more than the ${most} leading path segment(s) the repositories the name filter lets through have`,
      );
    }
    return {
      name,
      description: input.description ?? '',
      srcRegistryId,
      destRegistryId,
      destNamespace,
      destNamespaceReplaceCount,
      trigger,
      filters,
      replicateDeletion: input.replicateDeletion ?? false,
      override: input.override ?? false,
      enabled: input.enabled ?? false,
      // Harbor: a negative speed is no limit
      speed: Math.max(0, input.speed ?? 0),
      copyByChunk,
      singleActiveReplication,
    };
  }

  private async endpoint(id: number): Promise<RegistryEndpoint> {
    try {
      return await this.registries.get(id);
    } catch (error) {
      if (error instanceof NotFoundError) throw new InvalidError('request', `registry ${id} not found`);
      throw error;
    }
  }

  private async unique<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`a replication policy named ${name} already exists`);
      throw error;
    }
  }
}

function normaliseTrigger(input: ReplicationPolicyInput['trigger']): ReplicationTrigger {
  const type = (input?.type || 'manual') as TriggerType;
  if (!TRIGGER_TYPES.includes(type)) throw new InvalidError('request', `invalid trigger type ${type}; known: ${TRIGGER_TYPES.join(', ')}`);
  const cron = input?.trigger_settings?.cron?.trim() ?? '';
  if (type !== 'scheduled') return { type, trigger_settings: { cron: '' } };
  if (!cron) throw new InvalidError('request', 'the cron string cannot be empty when the trigger type is scheduled');
  try {
    nextFireTime(cron);
  } catch (error) {
    if (error instanceof InvalidCronError) throw new InvalidError('request', `invalid cron string for scheduled trigger: ${error.message}`);
    throw error;
  }
  // Harbor's rules: whole minutes, and not every minute
  const fields = cron.split(/\s+/);
  if (fields[0] !== '0') throw new InvalidError('request', 'the 1st field (indicating Seconds of time) of the cron setting must be 0');
  if (fields[1] === '*') throw new InvalidError('request', '* is not allowed for the Minutes field of the cron setting of replication policy');
  return { type, trigger_settings: { cron: fields.join(' ') } };
}

function columnValues(f: PolicyFields): unknown[] {
  return [
    f.name, f.description, f.srcRegistryId, f.destRegistryId, f.destNamespace, f.destNamespaceReplaceCount, JSON.stringify(f.trigger), JSON.stringify(f.filters),
    f.replicateDeletion, f.override, f.enabled, f.speed, f.copyByChunk, f.singleActiveReplication,
  ];
}

async function audit(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, name: string): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId: null, operation, resourceType: 'replication-policy', resource: name });
}

const notFound = (id: number) => new NotFoundError('replication-policy', `replication policy ${id} not found`);

function toPolicy(row: PolicyRow): ReplicationPolicy {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    srcRegistryId: row.src_registry_id,
    destRegistryId: row.dest_registry_id,
    destNamespace: row.dest_namespace,
    destNamespaceReplaceCount: row.dest_namespace_replace_count,
    trigger: row.trigger,
    filters: row.filters,
    replicateDeletion: row.replicate_deletion,
    override: row.override,
    enabled: row.enabled,
    speed: row.speed,
    copyByChunk: row.copy_by_chunk,
    singleActiveReplication: row.single_active_replication,
    creator: row.creator,
    creationTime: row.creation_time,
    updateTime: row.update_time,
  };
}

