import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { ConflictError, NotFoundError } from '@wharf/errors';
import { JobName, ScheduleService, nextFireTime } from '@wharf/jobs';
import { ProjectService } from '@wharf/projects';
import { checkPolicy, type RetentionPolicy, type RetentionPolicyInput, type RetentionRule, type RetentionTrigger } from './retention-policy';

/** Harbor's vendor type for retention executions and schedules. */
export const RETENTION_VENDOR_TYPE = 'RETENTION';

/** The project metadata key naming a project's policy (Harbor's). */
export const RETENTION_ID_KEY = 'retention_id';

interface PolicyRow {
  id: number;
  project_id: number;
  algorithm: 'or';
  rules: RetentionRule[];
  trigger: RetentionTrigger;
}

const toPolicy = (row: PolicyRow): RetentionPolicy => ({
  id: row.id,
  algorithm: row.algorithm,
  rules: row.rules.map((rule, index) => ({ ...rule, id: index + 1, priority: rule.priority ?? 0, disabled: rule.disabled ?? false, action: 'retain' })),
  trigger: { kind: 'Schedule', settings: row.trigger.settings ?? {}, references: { policy_id: row.id } },
  scope: { level: 'project', ref: row.project_id },
});

const cronOf = (trigger: RetentionTrigger | undefined): string => trigger?.settings?.cron?.trim() ?? '';

/**
 * Retention policies (`retention_policy`, one per project): created, changed and deleted with
 * their audit entry and the project's `retention_id` in one transaction, then their schedule
 * (a cron in the trigger) is set or removed in the schedule table that fires them.
 */
@Injectable()
export class RetentionPolicies {
  constructor(
    private readonly sql: SqlClient,
    private readonly projects: ProjectService,
    private readonly schedules: ScheduleService,
  ) {}

  async get(id: number): Promise<RetentionPolicy | null> {
    const rows = await this.sql.query<PolicyRow>(`SELECT id, project_id, algorithm, rules, trigger FROM retention_policy WHERE id = $1`, [id]);
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  /** The project's policy (zero or one: Harbor's list for `?project_id=`). */
  async ofProject(projectId: number): Promise<RetentionPolicy[]> {
    const rows = await this.sql.query<PolicyRow>(`SELECT id, project_id, algorithm, rules, trigger FROM retention_policy WHERE project_id = $1`, [projectId]);
    return rows.map(toPolicy);
  }

  /** 409 when the project has one already (Harbor refuses a second); sets the project's `retention_id`. */
  async create(input: RetentionPolicyInput, actor?: AuditActor, within?: SqlExecutor): Promise<RetentionPolicy> {
    checkPolicy(input);
    const cron = cronOf(input.trigger);
    if (cron) nextFireTime(cron);
    const insert = async (tx: SqlExecutor): Promise<PolicyRow> => {
      // one policy per project, whoever creates it concurrently
      await tx.query(`SELECT project_id FROM project WHERE project_id = $1 FOR UPDATE`, [input.scope.ref]);
      const existing = await tx.query<{ id: number }>(`SELECT id FROM retention_policy WHERE project_id = $1`, [input.scope.ref]);
      if (existing[0]) throw new ConflictError(`project ${input.scope.ref} already has retention policy ${existing[0].id}`);
      const rows = await tx.query<PolicyRow>(
        `INSERT INTO retention_policy (project_id, algorithm, rules, trigger) VALUES ($1, $2, $3, $4) RETURNING id, project_id, algorithm, rules, trigger`,
        [input.scope.ref, input.algorithm, JSON.stringify(stripRules(input.rules)), JSON.stringify({ kind: 'Schedule', settings: { cron } })],
      );
      await this.projects.setDerivedMetadata(tx, input.scope.ref, RETENTION_ID_KEY, String(rows[0].id));
      await audit(tx, actor, 'create', rows[0]);
      return rows[0];
    };
    const row = within ? await insert(within) : await this.sql.transaction(insert);
    // after the commit, as GC's schedule: a create inside a caller's transaction (a new project)
    // sets its schedule once that transaction is over (see scheduleOf)
    if (!within) await this.syncSchedule(row.id, cron);
    return toPolicy(row);
  }

  /** Replaces the rules and trigger (the scope stays: a policy belongs to its project). */
  async update(id: number, input: RetentionPolicyInput, actor?: AuditActor): Promise<RetentionPolicy> {
    checkPolicy(input);
    const cron = cronOf(input.trigger);
    if (cron) nextFireTime(cron);
    const row = await this.sql.transaction(async (tx) => {
      const rows = await tx.query<PolicyRow>(
        `UPDATE retention_policy SET algorithm = $2, rules = $3, trigger = $4, update_time = now() WHERE id = $1 RETURNING id, project_id, algorithm, rules, trigger`,
        [id, input.algorithm, JSON.stringify(stripRules(input.rules)), JSON.stringify({ kind: 'Schedule', settings: { cron } })],
      );
      if (!rows[0]) throw new NotFoundError('retention', `retention policy ${id} not found`);
      await audit(tx, actor, 'update', rows[0]);
      return rows[0];
    });
    await this.syncSchedule(id, cron);
    return toPolicy(row);
  }

  async delete(id: number, actor?: AuditActor): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const rows = await tx.query<PolicyRow>(`DELETE FROM retention_policy WHERE id = $1 RETURNING id, project_id, algorithm, rules, trigger`, [id]);
      if (!rows[0]) throw new NotFoundError('retention', `retention policy ${id} not found`);
      await this.projects.setDerivedMetadata(tx, rows[0].project_id, RETENTION_ID_KEY, null);
      await audit(tx, actor, 'delete', rows[0]);
    });
    await this.schedules.remove(RETENTION_VENDOR_TYPE, id);
  }

  /** Makes the policy's schedule match its trigger (also after a create inside another transaction). */
  async syncSchedule(id: number, cron?: string): Promise<void> {
    if (cron === undefined) cron = cronOf((await this.get(id))?.trigger);
    if (cron) await this.schedules.set(RETENTION_VENDOR_TYPE, { vendorId: id, type: 'Custom', cron, parameters: { policy_id: id } }, JobName.ScheduledRetention, { policyId: id });
    else await this.schedules.remove(RETENTION_VENDOR_TYPE, id);
  }
}

/** Stored without the ids Harbor's body may carry (a rule's id is its position). */
function stripRules(rules: RetentionRule[]): RetentionRule[] {
  return rules.map(({ id: _id, ...rule }) => ({ ...rule, action: 'retain', disabled: rule.disabled ?? false, priority: rule.priority ?? 0 }));
}

async function audit(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, row: PolicyRow): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId: row.project_id, operation, resourceType: 'retention', resource: `policy ${row.id}` });
}
