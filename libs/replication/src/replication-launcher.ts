import { Injectable, Logger } from '@nestjs/common';
import { AuditTrail, type AuditActor } from '@wharf/audit';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { NotFoundError, PreconditionError } from '@wharf/errors';
import { ExecutionService, JobName, JobQueues, taskJobId, type ExecutionRecord } from '@wharf/jobs';
import { taskAttributesOf, type ReplicationTaskAttributes } from './replication-items';
import { REPLICATION_VENDOR, type ReplicationPolicy } from './replication-policy';
import { ReplicationPolicyService } from './replication-policy.service';
import type { Resolved } from './replication-resolver';

export type ReplicationExecutionTrigger = 'MANUAL' | 'SCHEDULE' | 'EVENT';

/** Harbor's message on an execution skipped by single_active_replication. */
export const SKIPPED_MESSAGE = 'Execution skipped: active replication still in progress.';

/** a task is tried this often (a worker killed mid-copy: the next attempt resumes from its saved progress) */
export const TASK_ATTEMPTS = 3;
const TASK_BACKOFF_MS = 2_000;

/**
 * Starts and stops replication executions. A manual or scheduled start writes the execution (open,
 * no tasks yet) and queues its resolution (ReplicationExecution, in the worker), which adds one task
 * per artifact and queues a ReplicationTask job for each. An event start knows its artifact and
 * writes the tasks at once, in the event batch's transaction. A disabled policy does not start
 * (412); with single_active_replication a start while another execution of the policy runs is
 * recorded and ended as skipped (Harbor's behaviour). Starts and stops someone asked for are
 * audited in their transaction.
 */
@Injectable()
export class ReplicationLauncher {
  private readonly logger = new Logger(ReplicationLauncher.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly policies: ReplicationPolicyService,
    private readonly executions: ExecutionService,
    private readonly queues: JobQueues,
  ) {}

  async start(policyId: number, trigger: Exclude<ReplicationExecutionTrigger, 'EVENT'>, options: { dryRun: boolean }, actor?: AuditActor): Promise<{ executionId: number; skipped: boolean }> {
    const started = await this.sql.transaction(async (tx) => {
      // one start at a time per policy, so two starts never both see no active execution
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`wharf:replication:start:${policyId}`]);
      const policy = await this.policies.find(policyId, tx);
      if (!policy) throw new NotFoundError('replication-policy', `replication policy ${policyId} not found`);
      if (!policy.enabled) throw new PreconditionError('disabled', `the policy ${policy.id} is disabled`);
      const active = policy.singleActiveReplication ? await this.activeExecution(tx, policy.id) : null;
      const extraAttrs = { dry_run: options.dryRun, ...(actor ? { operator: actor.username } : {}) };
      const { executionId } = await this.executions.create({ vendorType: REPLICATION_VENDOR, vendorId: policy.id, trigger, extraAttrs, tasks: [], open: true }, tx);
      if (active !== null) await this.executions.end(executionId, 'Error', SKIPPED_MESSAGE, tx);
      if (actor) {
        await AuditTrail.write(tx, actor, {
          projectId: null, operation: 'create', resourceType: 'replication', resource: `${options.dryRun ? 'dry run ' : ''}execution ${executionId} of policy ${policy.name}`,
        });
      }
      return { executionId, skipped: active !== null };
    });
    if (started.skipped) return started;
    const jobId = taskJobId('replication-execution', started.executionId);
    try {
      // recorded first: the watchdog ends an execution whose resolution job is over or lost
      await this.executions.attachExecutionJob(started.executionId, JobName.ReplicationExecution, jobId);
      await this.queues.enqueue(
        { name: JobName.ReplicationExecution, data: { executionId: started.executionId, policyId, dryRun: options.dryRun } },
        { jobId, attempts: TASK_ATTEMPTS, backoff: { type: 'exponential', delay: TASK_BACKOFF_MS } },
      );
    } catch (error) {
      await this.executions.end(started.executionId, 'Error', `could not queue the replication: ${(error as Error).message}`);
      throw error;
    }
    return started;
  }

  /**
   * An execution for artifacts already known (an event), written with its tasks in `tx`; the
   * returned function queues their jobs once `tx` has committed.
   */
  async startWithItems(tx: SqlExecutor, policy: ReplicationPolicy, resolved: Resolved[], extraAttrs: Record<string, unknown>): Promise<() => Promise<void>> {
    const attributes = resolved.map((r) => attributesOf(r, false));
    const { executionId, taskIds } = await this.executions.create(
      { vendorType: REPLICATION_VENDOR, vendorId: policy.id, trigger: 'EVENT', extraAttrs: { dry_run: false, ...extraAttrs }, tasks: attributes as unknown as Record<string, unknown>[] },
      tx,
    );
    return async () => {
      await this.refuseTasks(taskIds, attributes);
      await this.queueTasks(executionId, false);
    };
  }

  /** Writes the tasks of a resolved execution (once: a retried resolution finds them there) and queues their jobs. */
  async addTasks(executionId: number, resolved: Resolved[], dryRun: boolean): Promise<void> {
    const attributes = resolved.map((r) => attributesOf(r, dryRun));
    const taskIds = await this.sql.transaction(async (tx) => {
      await tx.query(`SELECT id FROM execution WHERE id = $1 FOR UPDATE`, [executionId]);
      const existing = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM task WHERE execution_id = $1`, [executionId]);
      if (existing[0].n > 0) return null;
      return this.executions.addTasks(executionId, attributes as unknown as Record<string, unknown>[], tx);
    });
    if (taskIds) await this.refuseTasks(taskIds, attributes);
    await this.queueTasks(executionId, dryRun);
  }

  /** Queues a job for every pending task that has none yet (idempotent: a retry queues only what is missing). */
  async queueTasks(executionId: number, dryRun: boolean): Promise<void> {
    for (const task of await this.executions.tasks(executionId, { withJob: true })) {
      if (task.status !== 'Pending' || task.job_id) continue;
      const jobId = taskJobId('replication-task', task.id);
      try {
        await this.executions.attachJob(task.id, JobName.ReplicationTask, jobId);
        await this.queues.enqueue(
          { name: JobName.ReplicationTask, data: { executionId, taskId: task.id, dryRun } },
          { jobId, attempts: TASK_ATTEMPTS, backoff: { type: 'exponential', delay: TASK_BACKOFF_MS } },
        );
      } catch (error) {
        // the task stays Pending with a job the queue does not know: the watchdog ends it as Error
        this.logger.error(`could not queue replication task ${task.id}: ${(error as Error).message}`);
      }
    }
  }

  /** Stops an execution: pending tasks at once, running ones when their copy next checks its signal. */
  async stop(executionId: number, actor?: AuditActor): Promise<void> {
    const execution = await this.get(executionId);
    if (execution.status !== 'Running' && execution.status !== 'Pending') return;
    await this.sql.transaction(async (tx) => {
      await this.executions.requestStop(executionId, tx);
      if (actor) await AuditTrail.write(tx, actor, { projectId: null, operation: 'update', resourceType: 'replication', resource: `execution ${executionId} (stop)` });
    });
    // an execution still resolving has no task to carry the stop: it is Stopped now (the resolution sees the request and adds none)
    if ((await this.executions.tasks(executionId)).length === 0) await this.executions.end(executionId, 'Stopped', 'stopped before its artifacts were resolved');
  }

  async get(executionId: number): Promise<ExecutionRecord> {
    const execution = await this.executions.find(REPLICATION_VENDOR, executionId);
    if (!execution) throw new NotFoundError('execution', `replication execution ${executionId} not found`);
    return execution;
  }

  private async activeExecution(tx: SqlExecutor, policyId: number): Promise<number | null> {
    const rows = await tx.query<{ id: number }>(
      `SELECT id FROM execution WHERE vendor_type = $1 AND vendor_id = $2 AND status IN ('Pending', 'Running') ORDER BY id LIMIT 1`,
      [REPLICATION_VENDOR, policyId],
    );
    return rows[0]?.id ?? null;
  }

  /** Tasks refused at resolution end as Error at once, with the reason in their log. */
  private async refuseTasks(taskIds: number[], attributes: ReplicationTaskAttributes[]): Promise<void> {
    for (const [index, taskId] of taskIds.entries()) {
      const refused = attributes[index].refused;
      if (!refused) continue;
      await this.executions.log(taskId, `refused: ${refused}`);
      await this.executions.transition(taskId, 'Error', refused);
    }
  }
}

function attributesOf(resolved: Resolved, dryRun: boolean): ReplicationTaskAttributes {
  const attributes = taskAttributesOf(resolved.item, resolved.isImage, dryRun);
  if (resolved.refused) attributes.refused = resolved.refused;
  return attributes;
}
