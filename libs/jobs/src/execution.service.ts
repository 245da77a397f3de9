import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import type { JobName } from './job-names';

export type TaskStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';
export const FINAL_STATUSES: readonly TaskStatus[] = ['Success', 'Error', 'Stopped'];

export interface ExecutionMetrics {
  task_count: number;
  success_task_count: number;
  error_task_count: number;
  running_task_count: number;
  pending_task_count: number;
  stopped_task_count: number;
}

/** Harbor's execution shape (CONTRACTS.md section 3). */
export interface Execution {
  id: number;
  vendor_type: string;
  vendor_id: number | null;
  status: TaskStatus;
  status_message: string;
  trigger: string;
  extra_attrs: Record<string, unknown>;
  metrics: ExecutionMetrics;
  start_time: Date;
  end_time: Date | null;
}

/** An execution as lists show it: with its last change (Harbor's update_time). */
export interface ExecutionRecord extends Execution {
  update_time: Date;
}

/** One task of an execution, for the API. */
export interface TaskRecord {
  id: number;
  execution_id: number;
  status: TaskStatus;
  status_message: string;
  progress: Record<string, unknown>;
  extra_attrs: Record<string, unknown>;
  creation_time: Date;
  start_time: Date | null;
  update_time: Date;
  end_time: Date | null;
  /** `<job name>:<BullMQ job id>` of the job that runs it (attachJob), null before it is queued; only when asked for */
  job_id?: string | null;
}

/** Filters of an execution listing beyond its vendor. */
export interface ExecutionListFilter {
  /** one policy's executions */
  vendorId?: number;
  status?: TaskStatus;
  trigger?: string;
}

/** A task not yet ended, as the watchdog reads it. */
export interface OpenTask {
  taskId: number;
  status: TaskStatus;
  revision: number;
  young: boolean;
  job: { name: JobName; id: string } | null;
}

export interface NewExecution {
  vendorType: string;
  vendorId?: number;
  trigger?: 'MANUAL' | 'SCHEDULE' | 'EVENT';
  extraAttrs?: Record<string, unknown>;
  /** one entry per task: its extra attributes */
  tasks: Record<string, unknown>[];
  /**
   * The tasks come later (addTasks): the execution stays Running with none until its owner adds
   * them or ends it (a replication resolves its artifacts in the worker).
   */
  open?: boolean;
  /** the execution's status message when it has no task (it ends at once, as Success): why there was nothing to do */
  emptyMessage?: string;
}

/**
 * The derived status of an execution from its tasks (CONTRACTS.md section 3): any pending or
 * running -> Running; else any error -> Error; else any stopped -> Stopped; else Success.
 */
export function deriveExecutionStatus(metrics: ExecutionMetrics): TaskStatus {
  if (metrics.pending_task_count + metrics.running_task_count > 0) return 'Running';
  if (metrics.error_task_count > 0) return 'Error';
  if (metrics.stopped_task_count > 0) return 'Stopped';
  return 'Success';
}

/** A task may move Pending -> Running -> final, or straight Pending -> final; a final status never changes. */
const ALLOWED_FROM: Record<TaskStatus, TaskStatus[]> = {
  Pending: [],
  Running: ['Pending', 'Running'],
  Success: ['Pending', 'Running'],
  Error: ['Pending', 'Running'],
  Stopped: ['Pending', 'Running'],
};

/**
 * Execution and task records: created before anything is queued (nothing enqueued is
 * invisible), moved by compare-and-set (a late or duplicated update from a worker never
 * overwrites a newer state), stoppable, with a log per task. The API reads progress here.
 */
@Injectable()
export class ExecutionService {
  constructor(private readonly sql: SqlClient) {}

  /** `within`: the caller's transaction (for example one holding a lock that admits one run at a time). */
  async create(input: NewExecution, within?: SqlExecutor): Promise<{ executionId: number; taskIds: number[] }> {
    const insert = async (tx: SqlExecutor) => {
      const rows = await tx.query<{ id: number }>(
        `INSERT INTO execution (vendor_type, vendor_id, trigger, extra_attrs, status) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [input.vendorType, input.vendorId ?? null, input.trigger ?? 'MANUAL', JSON.stringify(input.extraAttrs ?? {}), input.tasks.length || input.open ? 'Running' : 'Success'],
      );
      const executionId = rows[0].id;
      const taskIds = await this.insertTasks(tx, executionId, input.tasks);
      if (!input.tasks.length && !input.open) await tx.query(`UPDATE execution SET end_time = now(), status_message = $2 WHERE id = $1`, [executionId, input.emptyMessage ?? '']);
      return { executionId, taskIds };
    };
    return within ? insert(within) : this.sql.transaction(insert);
  }

  /**
   * Adds tasks to an open execution (created with `open`), in order; the execution's status is
   * derived again (with no task at all it ends as Success). `within`: the caller's transaction.
   */
  async addTasks(executionId: number, tasks: Record<string, unknown>[], within?: SqlExecutor): Promise<number[]> {
    const add = async (tx: SqlExecutor) => {
      const ids = await this.insertTasks(tx, executionId, tasks);
      await this.refresh(executionId, tx);
      return ids;
    };
    return within ? add(within) : this.sql.transaction(add);
  }

  /**
   * Ends an execution as a whole with a status and message of its own, whatever its tasks say (a
   * run refused or skipped before it had tasks, or one whose preparation failed). Open tasks are
   * not touched: the caller ends them first.
   */
  async end(executionId: number, status: 'Error' | 'Stopped' | 'Success', message: string, within?: SqlExecutor, expectedRevision?: number): Promise<boolean> {
    const rows = await (within ?? this.sql).query(
      `UPDATE execution SET status = $2, status_message = $3, revision = revision + 1, update_time = now(), end_time = COALESCE(end_time, now())
        WHERE id = $1 AND ($4::bigint IS NULL OR revision = $4) RETURNING id`,
      [executionId, status, message, expectedRevision ?? null],
    );
    return rows.length > 0;
  }

  /** Deletes the (ended) executions of one vendor's object with their tasks and logs (Harbor's DeleteByVendor, when a policy goes). */
  async deleteByVendor(vendorType: string, vendorId: number, within?: SqlExecutor): Promise<number> {
    const rows = await (within ?? this.sql).query(`DELETE FROM execution WHERE vendor_type = $1 AND vendor_id = $2 RETURNING id`, [vendorType, vendorId]);
    return rows.length;
  }

  /** Records the job that prepares an open execution's tasks, so the watchdog can tell a lost one. */
  async attachExecutionJob(executionId: number, jobName: JobName, jobId: string): Promise<void> {
    await this.sql.query(`UPDATE execution SET extra_attrs = extra_attrs || jsonb_build_object('job_id', $2::text) WHERE id = $1`, [executionId, `${jobName}:${jobId}`]);
  }

  /**
   * Open executions still without tasks whose preparing job was recorded (watchdog input), started
   * more than `graceSeconds` ago, with their revision for a compare-and-set end.
   */
  async openExecutions(graceSeconds: number): Promise<{ executionId: number; revision: number; job: { name: JobName; id: string } | null }[]> {
    const rows = await this.sql.query<{ id: number; revision: number; job_id: string | null }>(
      `SELECT e.id, e.revision, e.extra_attrs->>'job_id' AS job_id FROM execution e
        WHERE e.status = 'Running' AND e.extra_attrs ? 'job_id' AND e.start_time < now() - make_interval(secs => $1)
          AND NOT EXISTS (SELECT 1 FROM task t WHERE t.execution_id = e.id)
        ORDER BY e.id LIMIT 1000`,
      [graceSeconds],
    );
    return rows.map((r) => {
      const split = r.job_id?.indexOf(':') ?? -1;
      return { executionId: r.id, revision: r.revision, job: split > 0 ? { name: r.job_id!.slice(0, split) as JobName, id: r.job_id!.slice(split + 1) } : null };
    });
  }

  private async insertTasks(tx: SqlExecutor, executionId: number, tasks: Record<string, unknown>[]): Promise<number[]> {
    if (!tasks.length) return [];
    const rows = await tx.query<{ id: number }>(`INSERT INTO task (execution_id, extra_attrs) SELECT $1, unnest($2::jsonb[]) RETURNING id`, [
      executionId,
      tasks.map((t) => JSON.stringify(t)),
    ]);
    return rows.map((t) => t.id).sort((a, b) => a - b);
  }

  /** Records the queued job that runs a task, so the watchdog can tell a lost job from a waiting one. */
  async attachJob(taskId: number, jobName: JobName, jobId: string): Promise<void> {
    // one column holds both (BullMQ job ids cannot contain ':')
    await this.sql.query(`UPDATE task SET job_id = $2 WHERE id = $1`, [taskId, `${jobName}:${jobId}`]);
  }

  /** The same queued job runs every task of the execution (one job walks them in turn). */
  async attachJobToAll(executionId: number, jobName: JobName, jobId: string): Promise<void> {
    await this.sql.query(`UPDATE task SET job_id = $2 WHERE execution_id = $1`, [executionId, `${jobName}:${jobId}`]);
  }

  /**
   * Tasks not yet ended (Pending or Running), with their queued job and revision (watchdog input):
   * the watchdog compares each with its job and ends, by compare-and-set on the revision, those
   * whose job is over. `young`: created less than `graceSeconds` ago (its job may be being queued
   * right now).
   */
  async openTasks(graceSeconds: number): Promise<OpenTask[]> {
    const rows = await this.sql.query<{ id: number; status: TaskStatus; status_revision: number; job_id: string | null; young: boolean }>(
      `SELECT id, status, status_revision, job_id, creation_time > now() - make_interval(secs => $1) AS young
         FROM task WHERE status IN ('Pending', 'Running') ORDER BY id LIMIT 1000`,
      [graceSeconds],
    );
    return rows.map((r) => {
      const split = r.job_id?.indexOf(':') ?? -1;
      const job = split > 0 ? { name: r.job_id!.slice(0, split) as JobName, id: r.job_id!.slice(split + 1) } : null;
      return { taskId: r.id, status: r.status, revision: r.status_revision, young: r.young, job };
    });
  }

  /**
   * Moves a task to `status` if it is in an allowed state (and at `expectedRevision` when
   * given); false when another update won. Starting counts a run; a final status ends the task
   * and refreshes the execution.
   */
  async transition(taskId: number, status: TaskStatus, message = '', expectedRevision?: number): Promise<boolean> {
    const rows = await this.sql.query<{ execution_id: number }>(
      `UPDATE task SET status = $2::varchar, status_message = $3, status_revision = status_revision + 1, update_time = now(),
              run_count = run_count + CASE WHEN $2::varchar = 'Running' AND status = 'Pending' THEN 1 ELSE 0 END,
              start_time = CASE WHEN $2::varchar = 'Running' THEN COALESCE(start_time, now()) ELSE start_time END,
              end_time = CASE WHEN $2::varchar IN ('Success', 'Error', 'Stopped') THEN now() ELSE end_time END
        WHERE id = $1 AND status = ANY($4) AND ($5::bigint IS NULL OR status_revision = $5)
        RETURNING execution_id`,
      [taskId, status, message, ALLOWED_FROM[status], expectedRevision ?? null],
    );
    if (!rows[0]) return false;
    if (FINAL_STATUSES.includes(status)) await this.refresh(rows[0].execution_id);
    return true;
  }

  /** Records progress (and that the worker is alive: the watchdog reads update_time). */
  async progress(taskId: number, progress: Record<string, unknown>): Promise<void> {
    await this.sql.query(`UPDATE task SET progress = progress || $2::jsonb, update_time = now() WHERE id = $1 AND status = 'Running'`, [taskId, JSON.stringify(progress)]);
  }

  async log(taskId: number, line: string): Promise<void> {
    await this.sql.query(`INSERT INTO task_log (task_id, line) VALUES ($1, $2)`, [taskId, line]);
  }

  /** Many lines at once, in order (a collection logs every blob it deletes). */
  async logMany(taskId: number, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.sql.query(`INSERT INTO task_log (task_id, line) SELECT $1, unnest($2::text[])`, [taskId, lines]);
  }

  /** A task's progress so far (a resumed run continues its counters). */
  async taskProgress(taskId: number): Promise<Record<string, unknown>> {
    const rows = await this.sql.query<{ progress: Record<string, unknown> }>(`SELECT progress FROM task WHERE id = $1`, [taskId]);
    return rows[0]?.progress ?? {};
  }

  /** A task's log lines as written, without times (a log that is a table). */
  async readLogLines(taskId: number): Promise<string[]> {
    const rows = await this.sql.query<{ line: string }>(`SELECT line FROM task_log WHERE task_id = $1 ORDER BY id`, [taskId]);
    return rows.map((r) => r.line);
  }

  async readLog(taskId: number): Promise<string> {
    const rows = await this.sql.query<{ log_time: Date; line: string }>(`SELECT log_time, line FROM task_log WHERE task_id = $1 ORDER BY id`, [taskId]);
    return rows.map((r) => `${r.log_time.toISOString()} ${r.line}\n`).join('');
  }

  /**
   * Asks an execution to stop: pending tasks stop at once, running ones when their processor next
   * checks. `within`: the caller's transaction (one that also writes the request's audit entry).
   */
  async requestStop(executionId: number, within?: SqlExecutor): Promise<void> {
    const sql = within ?? this.sql;
    await sql.query(`UPDATE execution SET stop_requested = true, update_time = now() WHERE id = $1`, [executionId]);
    await sql.query(
      `UPDATE task SET status = 'Stopped', status_revision = status_revision + 1, update_time = now(), end_time = now()
        WHERE execution_id = $1 AND status = 'Pending'`,
      [executionId],
    );
    await this.refresh(executionId, sql);
  }

  async stopRequested(executionId: number): Promise<boolean> {
    const rows = await this.sql.query<{ stop_requested: boolean }>(`SELECT stop_requested FROM execution WHERE id = $1`, [executionId]);
    return rows[0]?.stop_requested ?? false;
  }

  /** Watchdog: running tasks with no sign of life for `staleSeconds` (their worker died) end as Error. */
  async failStaleTasks(staleSeconds: number): Promise<number> {
    const rows = await this.sql.query<{ id: number }>(
      `SELECT id FROM task WHERE status = 'Running' AND update_time < now() - make_interval(secs => $1)`,
      [staleSeconds],
    );
    let failed = 0;
    for (const row of rows) if (await this.transition(row.id, 'Error', 'the worker running this task stopped answering')) failed += 1;
    return failed;
  }

  async get(executionId: number): Promise<Execution | null> {
    const rows = await this.sql.query<Omit<Execution, 'metrics'>>(
      `SELECT id, vendor_type, vendor_id, status, status_message, trigger, extra_attrs, start_time, end_time FROM execution WHERE id = $1`,
      [executionId],
    );
    if (!rows[0]) return null;
    return { ...rows[0], metrics: await this.metrics(executionId) };
  }

  /** One page of a vendor's executions, newest first, with their metrics (the API's history lists). */
  async list(vendorType: string, page: { offset: number; limit: number }, filter: number | ExecutionListFilter = {}): Promise<{ items: ExecutionRecord[]; total: number }> {
    // a number: only the executions of one policy (a webhook policy's deliveries)
    const { vendorId, status, trigger } = typeof filter === 'number' ? { vendorId: filter } : filter;
    const where = `e.vendor_type = $1 AND ($2::bigint IS NULL OR e.vendor_id = $2) AND ($3::varchar IS NULL OR e.status = $3) AND ($4::varchar IS NULL OR e.trigger = $4)`;
    const params = [vendorType, vendorId ?? null, status ?? null, trigger ?? null];
    const [{ total }] = await this.sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM execution e WHERE ${where}`, params);
    const items = await this.records(`${where} ORDER BY e.id DESC LIMIT $5 OFFSET $6`, [...params, page.limit, page.offset]);
    return { items, total };
  }

  /** One execution of a vendor; null when unknown or of another vendor. */
  async find(vendorType: string, executionId: number): Promise<ExecutionRecord | null> {
    return (await this.records(`e.vendor_type = $1 AND e.id = $2`, [vendorType, executionId]))[0] ?? null;
  }

  /** `withJob`: with the job that runs each task (`job_id`). */
  async tasks(executionId: number, options: { withJob?: boolean } = {}): Promise<TaskRecord[]> {
    return this.sql.query<TaskRecord>(
      `SELECT id, execution_id, status, status_message, progress, extra_attrs, creation_time, start_time, update_time, end_time${options.withJob ? ', job_id' : ''} FROM task WHERE execution_id = $1 ORDER BY id`,
      [executionId],
    );
  }

  /** One task by id; null when unknown. */
  async task(taskId: number): Promise<TaskRecord | null> {
    const rows = await this.sql.query<TaskRecord>(
      `SELECT id, execution_id, status, status_message, progress, extra_attrs, creation_time, start_time, update_time, end_time, job_id FROM task WHERE id = $1`,
      [taskId],
    );
    return rows[0] ?? null;
  }

  private async records(where: string, params: unknown[]): Promise<ExecutionRecord[]> {
    const rows = await this.sql.query<Omit<ExecutionRecord, 'metrics'> & ExecutionMetrics>(
      `SELECT e.id, e.vendor_type, e.vendor_id, e.status, e.status_message, e.trigger, e.extra_attrs, e.start_time, e.end_time, e.update_time, m.*
         FROM execution e
         CROSS JOIN LATERAL (
           SELECT count(*)::int AS task_count,
                  count(*) FILTER (WHERE status = 'Success')::int AS success_task_count,
                  count(*) FILTER (WHERE status = 'Error')::int AS error_task_count,
                  count(*) FILTER (WHERE status = 'Running')::int AS running_task_count,
                  count(*) FILTER (WHERE status = 'Pending')::int AS pending_task_count,
                  count(*) FILTER (WHERE status = 'Stopped')::int AS stopped_task_count
             FROM task WHERE execution_id = e.id) m
        WHERE ${where}`,
      params,
    );
    return rows.map(({ task_count, success_task_count, error_task_count, running_task_count, pending_task_count, stopped_task_count, ...execution }) => ({
      ...execution,
      metrics: { task_count, success_task_count, error_task_count, running_task_count, pending_task_count, stopped_task_count },
    }));
  }

  /** Re-derives the execution's status from its tasks; the revision compare-and-set retries on a race. */
  async refresh(executionId: number, sql: SqlExecutor = this.sql): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await sql.query<{ revision: number }>(`SELECT revision FROM execution WHERE id = $1`, [executionId]);
      if (!current[0]) return;
      const status = deriveExecutionStatus(await this.metrics(executionId, sql));
      const updated = await sql.query(
        `UPDATE execution SET status = $2::varchar, revision = revision + 1, update_time = now(),
                end_time = CASE WHEN $2::varchar = 'Running' THEN NULL ELSE COALESCE(end_time, now()) END
          WHERE id = $1 AND revision = $3 RETURNING id`,
        [executionId, status, current[0].revision],
      );
      if (updated.length) return;
    }
  }

  private async metrics(executionId: number, sql: SqlExecutor = this.sql): Promise<ExecutionMetrics> {
    const rows = await sql.query<ExecutionMetrics>(
      `SELECT count(*)::int AS task_count,
              count(*) FILTER (WHERE status = 'Success')::int AS success_task_count,
              count(*) FILTER (WHERE status = 'Error')::int AS error_task_count,
              count(*) FILTER (WHERE status = 'Running')::int AS running_task_count,
              count(*) FILTER (WHERE status = 'Pending')::int AS pending_task_count,
              count(*) FILTER (WHERE status = 'Stopped')::int AS stopped_task_count
         FROM task WHERE execution_id = $1`,
      [executionId],
    );
    return rows[0];
  }
}
