import { Injectable, Logger } from '@nestjs/common';
import { AuditTrail, type AuditActor } from '@wharf/audit';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { describeFailure } from '@wharf/errors';
import { ExecutionService, JobName, JobQueues, taskJobId, type ExecutionRecord, type TaskRecord, type TaskStatus } from '@wharf/jobs';
import { RETENTION_VENDOR_TYPE } from './retention-policies';
import { RetentionEngine, logTable, type RunRepository } from './retention-engine';
import { checkPolicy, type RetentionPolicyInput, type RetentionRule } from './retention-policy';

/** What a run judges: a project with the rules of its policy (or of an unsaved body, or of the proxy-cache TTL). */
export interface RunSubject {
  projectId: number;
  rules: RetentionRule[];
  /** the saved policy, or null (an unsaved body's dry run, the proxy-cache TTL) */
  policyId: number | null;
}

export interface LaunchOptions {
  dryRun: boolean;
  trigger: 'MANUAL' | 'SCHEDULE';
  actor?: AuditActor;
  /** the operator removal events name (`retention`; `proxy-cache-retention` for the TTL) */
  operator?: string;
  /** false: not queued yet; the caller queues it later (`queue`) */
  enqueue?: boolean;
}

/** What a run stores on its execution: enough to run (again, after a crash) exactly as launched. */
interface RunAttributes {
  dry_run: boolean;
  project_id: number;
  snapshot: string;
  rules: RetentionRule[];
  operator: string;
}

/** Harbor's RetentionExecution. */
export interface RetentionExecution {
  id: number;
  policy_id: number | null;
  project_id: number;
  start_time: Date;
  end_time: Date | null;
  status: TaskStatus;
  status_message: string;
  trigger: string;
  dry_run: boolean;
}

/** Harbor's RetentionExecutionTask. */
export interface RetentionTask {
  id: number;
  execution_id: number;
  repository: string;
  job_id: string;
  status: TaskStatus;
  status_code: number;
  status_revision: number;
  start_time: Date | null;
  end_time: Date | null;
  total: number;
  retained: number;
}

/** Repositories run side by side within one run. */
const PARALLEL_REPOSITORIES = 4;
const TASK_BATCH = 64;

const STATUS_CODE: Record<TaskStatus, number> = { Pending: 0, Running: 1, Stopped: 2, Error: 3, Success: 3 };

/**
 * Runs of retention policies as executions of vendor RETENTION with one task per repository the
 * rules cover. The launcher takes the snapshot (the database's now), lists the repositories and
 * writes the execution and tasks in one transaction with its audit entry, then queues one job
 * that walks the tasks (a few repositories at a time), each judged and carried out by the
 * engine, its log a table. Stopping ends pending tasks at once and the running ones at their
 * next check. A job retried after a crash continues with the tasks not yet ended, with the same
 * snapshot and rules.
 */
@Injectable()
export class RetentionRuns {
  private readonly logger = new Logger(RetentionRuns.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly executions: ExecutionService,
    private readonly queues: JobQueues,
    private readonly engine: RetentionEngine,
  ) {}

  async launch(subject: RunSubject, options: LaunchOptions): Promise<number> {
    const { executionId } = await this.sql.transaction(async (tx) => {
      const [{ snapshot }] = await tx.query<{ snapshot: Date }>(`SELECT now() AS snapshot`);
      const repositories = await this.repositories(tx, subject);
      const attributes: RunAttributes = { dry_run: options.dryRun, project_id: subject.projectId, snapshot: snapshot.toISOString(), rules: subject.rules, operator: options.operator ?? 'retention' };
      const created = await this.executions.create(
        {
          vendorType: RETENTION_VENDOR_TYPE,
          vendorId: subject.policyId ?? undefined,
          trigger: options.trigger,
          extraAttrs: attributes as unknown as Record<string, unknown>,
          tasks: repositories.map((r) => ({ repository: r.name, repository_id: r.id })),
        },
        tx,
      );
      if (options.actor) {
        await AuditTrail.write(tx, options.actor, {
          projectId: subject.projectId,
          operation: 'create',
          resourceType: 'retention',
          resource: `${options.dryRun ? 'dry run' : 'execution'} ${created.executionId}${subject.policyId ? ` of policy ${subject.policyId}` : ''}`,
        });
      }
      return created;
    });
    if (options.enqueue !== false) await this.queue(executionId);
    return executionId;
  }

  /** Queues the run of a launched execution (its one job, named on every task for the watchdog). */
  async queue(executionId: number): Promise<void> {
    const jobId = taskJobId('retention', executionId);
    try {
      await this.executions.attachJobToAll(executionId, JobName.RetentionRun, jobId);
      await this.queues.enqueue({ name: JobName.RetentionRun, data: { executionId } }, { jobId, attempts: 3 });
    } catch (error) {
      await this.endOpenTasks(executionId, 'Error', `could not queue the run: ${(error as Error).message}`);
      throw error;
    }
  }

  /** A dry run of a policy body that is not saved (the preview before saving). */
  async previewUnsaved(input: RetentionPolicyInput, actor?: AuditActor): Promise<number> {
    checkPolicy(input);
    return this.launch({ projectId: input.scope.ref, rules: input.rules, policyId: null }, { dryRun: true, trigger: 'MANUAL', actor });
  }

  async requestStop(executionId: number, projectId: number, actor?: AuditActor): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await this.executions.requestStop(executionId, tx);
      if (actor) await AuditTrail.write(tx, actor, { projectId, operation: 'update', resourceType: 'retention', resource: `execution ${executionId} stopped` });
    });
  }

  /** The worker's side: walks the execution's open tasks. */
  async run(executionId: number): Promise<{ repositories: number; stopped: boolean }> {
    const execution = await this.executions.get(executionId);
    if (!execution) return { repositories: 0, stopped: false };
    const attributes = execution.extra_attrs as unknown as RunAttributes;
    const settings = { rules: attributes.rules, snapshot: new Date(attributes.snapshot), dryRun: attributes.dry_run, operator: attributes.operator };
    const stopRequested = () => this.executions.stopRequested(executionId);
    let done = 0;
    let stopped = false;
    let after = 0;
    for (;;) {
      if (await stopRequested()) {
        stopped = true;
        break;
      }
      const batch = await this.sql.query<{ id: number; extra_attrs: { repository: string; repository_id: number } }>(
        `SELECT id, extra_attrs FROM task WHERE execution_id = $1 AND id > $2 AND status IN ('Pending', 'Running') ORDER BY id LIMIT $3`,
        [executionId, after, TASK_BATCH],
      );
      if (batch.length === 0) break;
      after = batch[batch.length - 1].id;
      let next = 0;
      const lane = async () => {
        while (next < batch.length && !stopped) {
          const task = batch[next++];
          const repository: RunRepository = { id: task.extra_attrs.repository_id, name: task.extra_attrs.repository };
          const outcome = await this.runTask(task.id, repository, settings, stopRequested);
          done += 1;
          if (outcome === 'Stopped') stopped = true;
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_REPOSITORIES }, lane));
      if (stopped) break;
    }
    if (stopped) await this.endOpenTasks(executionId, 'Stopped', 'stopped on request');
    this.logger.log(`retention execution ${executionId}: ${done} repositories${stopped ? ', stopped on request' : ''}`);
    return { repositories: done, stopped };
  }

  private async runTask(
    taskId: number,
    repository: RunRepository,
    settings: { rules: RetentionRule[]; snapshot: Date; dryRun: boolean; operator: string },
    stopRequested: () => Promise<boolean>,
  ): Promise<TaskStatus> {
    // a task a stop request ended while it waited is not started
    if (!(await this.executions.transition(taskId, 'Running'))) return 'Stopped';
    try {
      const outcome = await this.engine.run(repository, settings, stopRequested);
      await this.executions.logMany(taskId, logTable(outcome.rows));
      await this.executions.progress(taskId, { total: outcome.total, retained: outcome.retained, deleted: outcome.deleted, untagged: outcome.untagged, refused: outcome.refused });
      const status: TaskStatus = outcome.stopped ? 'Stopped' : 'Success';
      await this.executions.transition(taskId, status, outcome.stopped ? 'stopped on request' : '');
      return status;
    } catch (error) {
      // the repository's task ends as Error; the others go on
      const message = describeFailure(error);
      await this.executions.log(taskId, `failed: ${message}`);
      await this.executions.transition(taskId, 'Error', message);
      return 'Error';
    }
  }

  private async endOpenTasks(executionId: number, status: 'Stopped' | 'Error', message: string): Promise<void> {
    const open = await this.sql.query<{ id: number }>(`SELECT id FROM task WHERE execution_id = $1 AND status IN ('Pending', 'Running')`, [executionId]);
    for (const task of open) await this.executions.transition(task.id, status, message);
  }

  /** The project's repositories some enabled rule covers, in name order. */
  private async repositories(tx: SqlExecutor, subject: RunSubject): Promise<RunRepository[]> {
    const rows = await tx.query<RunRepository>(`SELECT repository_id AS id, name FROM repository WHERE project_id = $1 ORDER BY name`, [subject.projectId]);
    return rows.filter((r) => this.engine.rulesFor(subject.rules, r.name).length > 0);
  }

  // reads for the API

  async list(policyId: number, page: { offset: number; limit: number }): Promise<{ items: RetentionExecution[]; total: number }> {
    const { items, total } = await this.executions.list(RETENTION_VENDOR_TYPE, page, policyId);
    return { items: items.map(toExecution), total };
  }

  /** One execution; of the policy when `policyId` is given, of no policy (an unsaved body's dry run) when null. */
  async find(policyId: number | null, executionId: number): Promise<RetentionExecution | null> {
    const record = await this.executions.find(RETENTION_VENDOR_TYPE, executionId);
    if (!record || (record.vendor_id ?? null) !== policyId) return null;
    return toExecution(record);
  }

  async tasks(executionId: number): Promise<RetentionTask[]> {
    return (await this.executions.tasks(executionId)).map((t) => toTask(executionId, t));
  }

  async taskLog(executionId: number, taskId: number): Promise<string | null> {
    const task = (await this.executions.tasks(executionId)).find((t) => t.id === taskId);
    if (!task) return null;
    const lines = await this.executions.readLogLines(taskId);
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
}

function toExecution(record: ExecutionRecord): RetentionExecution {
  const attributes = record.extra_attrs as unknown as RunAttributes;
  return {
    id: record.id,
    policy_id: record.vendor_id,
    project_id: attributes.project_id,
    start_time: record.start_time,
    end_time: record.end_time,
    status: record.status,
    status_message: record.status_message,
    trigger: record.trigger,
    dry_run: attributes.dry_run,
  };
}

function toTask(executionId: number, task: TaskRecord): RetentionTask {
  const progress = task.progress as { total?: number; retained?: number };
  return {
    id: task.id,
    execution_id: executionId,
    repository: String(task.extra_attrs.repository ?? ''),
    job_id: '',
    status: task.status,
    status_code: STATUS_CODE[task.status],
    status_revision: 0,
    start_time: task.start_time,
    end_time: task.end_time,
    total: progress.total ?? 0,
    retained: progress.retained ?? 0,
  };
}
