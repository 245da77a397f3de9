import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError } from '@wharf/errors';
import { JobName, ScheduleService } from '@wharf/jobs';
import { parseExtraAttrs, parseFilters, parseTrigger, type PreheatPolicy, type PreheatPolicyInput, type PreheatPolicyView } from './preheat-policy';

/** The vendor type of preheat executions and schedules (Harbor's P2P_PREHEAT). */
export const PREHEAT_VENDOR = 'P2P_PREHEAT';
const UNIQUE_VIOLATION = '23505';

interface PolicyRow {
  id: number;
  name: string;
  description: string;
  project_id: number;
  project_name: string;
  provider_id: number;
  provider_name: string;
  filters: string;
  trigger: string;
  enabled: boolean;
  extra_attrs: string;
  creation_time: Date;
  update_time: Date;
}

const SELECT = `SELECT p.id, p.name, p.description, p.project_id, pr.name AS project_name, p.provider_id, i.name AS provider_name, p.filters, p.trigger, p.enabled,
                       p.extra_attrs, p.creation_time, p.update_time
                  FROM p2p_preheat_policy p JOIN p2p_preheat_instance i ON i.id = p.provider_id JOIN project pr ON pr.project_id = p.project_id`;

/**
 * Preheat policies of a project (Harbor's p2p_preheat_policy), addressed by name. A scheduled
 * policy keeps a schedule (vendor P2P_PREHEAT, the policy's id) whose ticks run it; changing the
 * trigger or disabling the policy updates or removes it. Changes are audited (`preheat-policy`)
 * in the transaction that writes the policy.
 */
@Injectable()
export class PreheatPolicyService {
  constructor(
    private readonly sql: SqlClient,
    private readonly schedules: ScheduleService,
  ) {}

  async list(projectId: number, page: { offset: number; limit: number }): Promise<{ items: PreheatPolicyView[]; total: number }> {
    const [{ total }] = await this.sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM p2p_preheat_policy WHERE project_id = $1`, [projectId]);
    const rows = await this.sql.query<PolicyRow>(`${SELECT} WHERE p.project_id = $1 ORDER BY p.id LIMIT $2 OFFSET $3`, [projectId, page.limit, page.offset]);
    return { items: rows.map(toView), total };
  }

  async get(projectId: number, name: string): Promise<PreheatPolicyView> {
    return toView(await this.row(projectId, name));
  }

  /** The parsed policy, for runs and previews. */
  async policy(projectId: number, name: string): Promise<PreheatPolicy> {
    return toPolicy(await this.row(projectId, name));
  }

  /** By id alone (the worker); null once deleted. */
  async find(id: number, db: SqlExecutor = this.sql): Promise<PreheatPolicy | null> {
    const rows = await db.query<PolicyRow>(`${SELECT} WHERE p.id = $1`, [id]);
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  /** Enabled event-based policies of the project named `projectName` (push events). */
  async eventBased(db: SqlExecutor, projectName: string): Promise<PreheatPolicy[]> {
    const rows = await db.query<PolicyRow>(`${SELECT} WHERE pr.name = $1 AND p.enabled ORDER BY p.id`, [projectName]);
    return rows.map(toPolicy).filter((p) => p.trigger.type === 'event_based');
  }

  async create(projectId: number, input: PreheatPolicyInput, creator: string, actor?: AuditActor): Promise<PreheatPolicyView> {
    const checked = await this.check(input);
    const id = await this.write(input.name, async (tx) => {
      const rows = await tx.query<{ id: number }>(
        `INSERT INTO p2p_preheat_policy (name, description, project_id, provider_id, filters, trigger, enabled, extra_attrs, creator)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [input.name, input.description ?? '', projectId, checked.providerId, checked.filters, checked.trigger, input.enabled ?? true, checked.extraAttrs, creator],
      );
      await audit(tx, actor, projectId, 'create', input.name);
      return rows[0].id;
    });
    const policy = (await this.find(id))!;
    await this.syncSchedule(policy);
    return this.get(projectId, input.name);
  }

  async update(projectId: number, name: string, input: PreheatPolicyInput, actor?: AuditActor): Promise<PreheatPolicyView> {
    const current = await this.row(projectId, name);
    const checked = await this.check({ ...input, provider_id: input.provider_id ?? (input.provider_name ? undefined : current.provider_id) });
    const newName = input.name || name;
    await this.write(newName, async (tx) => {
      await tx.query(
        `UPDATE p2p_preheat_policy SET name = $2, description = $3, provider_id = $4, filters = $5, trigger = $6, enabled = $7, extra_attrs = $8, update_time = now() WHERE id = $1`,
        [current.id, newName, input.description ?? current.description, checked.providerId, checked.filters, checked.trigger, input.enabled ?? current.enabled, checked.extraAttrs],
      );
      await audit(tx, actor, projectId, 'update', newName);
    });
    await this.syncSchedule((await this.find(current.id))!);
    return this.get(projectId, newName);
  }

  async delete(projectId: number, name: string, actor?: AuditActor): Promise<void> {
    const current = await this.row(projectId, name);
    await this.sql.transaction(async (tx) => {
      await tx.query(`DELETE FROM p2p_preheat_policy WHERE id = $1`, [current.id]);
      await audit(tx, actor, projectId, 'delete', name);
    });
    await this.schedules.remove(PREHEAT_VENDOR, current.id);
  }

  /** A scheduled, enabled policy has a schedule; any other has none. */
  async syncSchedule(policy: PreheatPolicy): Promise<void> {
    const cron = policy.trigger.type === 'scheduled' ? policy.trigger.trigger_setting?.cron : undefined;
    if (policy.enabled && cron) {
      await this.schedules.set(PREHEAT_VENDOR, { vendorId: policy.id, type: 'Custom', cron, parameters: { policy: policy.name, project_id: policy.projectId } }, JobName.ScheduledPreheat, {
        policyId: policy.id,
      });
    } else await this.schedules.remove(PREHEAT_VENDOR, policy.id);
  }

  private async check(input: PreheatPolicyInput): Promise<{ providerId: number; filters: string; trigger: string; extraAttrs: string }> {
    const filters = JSON.stringify(parseFilters(input.filters));
    const trigger = JSON.stringify(parseTrigger(input.trigger));
    const extraAttrs = JSON.stringify(parseExtraAttrs(input.extra_attrs));
    let providerId = input.provider_id;
    if (providerId === undefined && input.provider_name) {
      providerId = (await this.sql.query<{ id: number }>(`SELECT id FROM p2p_preheat_instance WHERE name = $1`, [input.provider_name]))[0]?.id;
      if (providerId === undefined) throw new InvalidError('request', `no preheat instance named ${input.provider_name}`);
    }
    if (providerId === undefined) throw new InvalidError('request', 'a policy needs provider_id (or provider_name): the preheat instance it uses');
    if (!(await this.sql.query(`SELECT 1 FROM p2p_preheat_instance WHERE id = $1`, [providerId])).length) throw new InvalidError('request', `no preheat instance with id ${providerId}`);
    return { providerId, filters, trigger, extraAttrs };
  }

  private async row(projectId: number, name: string): Promise<PolicyRow> {
    const rows = await this.sql.query<PolicyRow>(`${SELECT} WHERE p.project_id = $1 AND p.name = $2`, [projectId, name]);
    if (!rows[0]) throw new NotFoundError('preheat-policy', `preheat policy ${name} not found`);
    return rows[0];
  }

  private async write<T>(name: string, change: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.sql.transaction(change);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`a preheat policy named ${name} already exists in this project`);
      throw error;
    }
  }
}

async function audit(tx: SqlExecutor, actor: AuditActor | undefined, projectId: number, operation: AuditOperation, name: string): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId, operation, resourceType: 'preheat-policy', resource: name });
}

function toView(row: PolicyRow): PreheatPolicyView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    project_id: row.project_id,
    provider_id: row.provider_id,
    provider_name: row.provider_name,
    filters: row.filters,
    trigger: row.trigger,
    enabled: row.enabled,
    extra_attrs: row.extra_attrs,
    creation_time: row.creation_time,
    update_time: row.update_time,
  };
}

function toPolicy(row: PolicyRow): PreheatPolicy {
  return {
    id: row.id,
    name: row.name,
    projectId: row.project_id,
    projectName: row.project_name,
    providerId: row.provider_id,
    filters: parseFilters(row.filters),
    trigger: parseTrigger(row.trigger),
    enabled: row.enabled,
    extraAttrs: parseExtraAttrs(row.extra_attrs),
  };
}
