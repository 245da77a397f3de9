import { Injectable, Logger } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { InvalidError } from '@wharf/errors';
import { parseExpression } from 'cron-parser';
import { JOB_QUEUE, QueueName, type JobName, type JobPayloads } from './job-names';
import { JobQueues } from './job-queues';

/** Harbor's schedule kinds that repeat (Manual and None are actions, not schedules). */
export type ScheduleType = 'Hourly' | 'Daily' | 'Weekly' | 'Custom';
export const SCHEDULE_TYPES: readonly ScheduleType[] = ['Hourly', 'Daily', 'Weekly', 'Custom'];

/** Harbor's presets (6 fields, seconds first), used when a preset type comes without a cron. */
export const PRESET_CRONS: Record<Exclude<ScheduleType, 'Custom'>, string> = {
  Hourly: '0 0 * * * *',
  Daily: '0 0 0 * * *',
  Weekly: '0 0 0 * * 0',
};

/** One repeating job, as the schedule table holds it. */
export interface Schedule {
  id: number;
  vendorType: string;
  vendorId: number | null;
  type: ScheduleType;
  cron: string;
  /** the API's view of what each run does (Harbor's field names) */
  parameters: Record<string, unknown>;
  creationTime: Date;
  updateTime: Date;
  /** the next tick after now (UTC) */
  nextScheduledTime: Date;
}

/**
 * Work the owner of a schedule does in the transaction of its change (its audit entry, say),
 * after the row is written and before the job scheduler is touched: if it fails, nothing changed.
 */
export type ScheduleChangeHook<R> = (tx: SqlExecutor, change: R) => Promise<void>;

export interface ScheduleInput {
  vendorId?: number | null;
  type: ScheduleType;
  /** 6 fields, seconds first; a preset type without one gets its preset */
  cron?: string;
  parameters: Record<string, unknown>;
}

/** A cron the scheduler cannot run: not 6 fields, or not parseable. */
export class InvalidCronError extends InvalidError {
  constructor(
    readonly cron: string,
    reason: string,
  ) {
    super('request', `invalid cron "${cron}": ${reason}`);
  }
}

/** The next time (UTC) a 6-field cron fires after `after`; throws InvalidCronError when it is not one the scheduler accepts. */
export function nextFireTime(cron: string, after: Date = new Date()): Date {
  const fields = cron.trim().split(/\s+/).filter(Boolean);
  // Harbor's rule: seconds, minutes, hours, day of month, month, day of week
  if (fields.length !== 6) throw new InvalidCronError(cron, `expected 6 fields (seconds first), got ${fields.length}`);
  try {
    return parseExpression(fields.join(' '), { currentDate: after, tz: 'UTC' }).next().toDate();
  } catch (error) {
    // cron-parser also throws here for a valid-looking cron that never fires (30 February)
    throw new InvalidCronError(cron, (error as Error).message);
  }
}

/** The BullMQ job scheduler id of a schedule: stable, so an update replaces it (no ':', which BullMQ keeps for its own ids). */
export const schedulerIdOf = (vendorType: string, vendorId?: number | null): string => `${SCHEDULER_PREFIX}${vendorType}${vendorId == null ? '' : `-${vendorId}`}`;
const SCHEDULER_PREFIX = 'schedule-';

interface ScheduleRow {
  id: number;
  vendor_type: string;
  vendor_id: number | null;
  type: ScheduleType;
  cron: string;
  parameters: Record<string, unknown>;
  job_name: JobName;
  job_data: unknown;
  creation_time: Date;
  update_time: Date;
}

const COLUMNS = 'id, vendor_type, vendor_id, type, cron, parameters, job_name, job_data, creation_time, update_time';

/**
 * Cron schedules (GC now, other vendors later). The `schedule` table is the source of truth and
 * BullMQ's job schedulers follow it: every change writes the row and the scheduler together under
 * a per-schedule lock (the row change rolls back when Redis refuses), and `syncAll` at worker start
 * rebuilds every scheduler from the table and drops the ones whose row is gone, so a flushed Redis
 * loses nothing. A job scheduler fires once per tick however many workers run.
 */
@Injectable()
export class ScheduleService {
  private readonly logger = new Logger(ScheduleService.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly queues: JobQueues,
  ) {}

  async get(vendorType: string, vendorId: number | null = null): Promise<Schedule | null> {
    const rows = await this.sql.query<ScheduleRow>(`SELECT ${COLUMNS} FROM schedule WHERE vendor_type = $1 AND COALESCE(vendor_id, 0) = COALESCE($2::bigint, 0)`, [
      vendorType,
      vendorId,
    ]);
    return rows[0] ? toSchedule(rows[0]) : null;
  }

  /**
   * Creates or replaces the schedule of (vendorType, vendorId) and its job scheduler, which queues
   * `jobName` with `payload` at every tick. `created`: there was no schedule before.
   */
  async set<N extends JobName>(
    vendorType: string,
    input: ScheduleInput,
    jobName: N,
    payload: JobPayloads[N],
    inTransaction?: ScheduleChangeHook<{ created: boolean }>,
    within?: SqlExecutor,
  ): Promise<{ schedule: Schedule; created: boolean }> {
    const cron = input.cron?.trim() || (input.type === 'Custom' ? '' : PRESET_CRONS[input.type]);
    if (!cron) throw new InvalidCronError('', 'a Custom schedule needs a cron');
    nextFireTime(cron);
    const vendorId = input.vendorId ?? null;
    const schedulerId = schedulerIdOf(vendorType, vendorId);
    // `within`: the owner's transaction (a replication policy written with its schedule)
    return this.transactionOf(within, async (tx) => {
      await lock(tx, schedulerId);
      const rows = await tx.query<ScheduleRow & { inserted: boolean }>(
        `INSERT INTO schedule (vendor_type, vendor_id, type, cron, parameters, job_name, job_data)
              VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (vendor_type, (COALESCE(vendor_id, 0))) DO UPDATE
                 SET type = EXCLUDED.type, cron = EXCLUDED.cron, parameters = EXCLUDED.parameters,
                     job_name = EXCLUDED.job_name, job_data = EXCLUDED.job_data, update_time = now()
         RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
        [vendorType, vendorId, input.type, cron, JSON.stringify(input.parameters), jobName, JSON.stringify(payload)],
      );
      await inTransaction?.(tx, { created: rows[0].inserted });
      // inside the transaction: if Redis refuses, the row change is rolled back too
      await this.queues.schedule(schedulerId, { pattern: cron, tz: 'UTC' }, jobName, payload);
      return { schedule: toSchedule(rows[0]), created: rows[0].inserted };
    });
  }

  /** Removes the schedule and its job scheduler (Harbor's type None); false when there was none (then `inTransaction` is not run). */
  async remove(vendorType: string, vendorId: number | null = null, inTransaction?: ScheduleChangeHook<void>, within?: SqlExecutor): Promise<boolean> {
    const schedulerId = schedulerIdOf(vendorType, vendorId);
    return this.transactionOf(within, async (tx) => {
      await lock(tx, schedulerId);
      const rows = await tx.query<{ job_name: JobName }>(
        `DELETE FROM schedule WHERE vendor_type = $1 AND COALESCE(vendor_id, 0) = COALESCE($2::bigint, 0) RETURNING job_name`,
        [vendorType, vendorId],
      );
      if (rows[0]) {
        await inTransaction?.(tx, undefined);
        await this.queues.unschedule(rows[0].job_name, schedulerId);
      } else await this.removeEverywhere(schedulerId);
      return rows.length > 0;
    });
  }

  /**
   * Makes BullMQ's job schedulers match the table: re-creates the scheduler of every row (a
   * flushed or restored Redis) and removes schedulers of ours whose row is gone. Run once at
   * worker start; safe to run concurrently with API changes (same per-schedule lock).
   */
  async syncAll(): Promise<{ restored: number; removed: number }> {
    let restored = 0;
    for (const { id } of await this.sql.query<{ id: number }>(`SELECT id FROM schedule ORDER BY id`)) {
      await this.sql.transaction(async (tx) => {
        const [row] = await tx.query<ScheduleRow>(`SELECT ${COLUMNS} FROM schedule WHERE id = $1`, [id]);
        if (!row) return;
        const schedulerId = schedulerIdOf(row.vendor_type, row.vendor_id);
        await lock(tx, schedulerId);
        // re-read under the lock: an API change may have landed in between
        const [current] = await tx.query<ScheduleRow>(`SELECT ${COLUMNS} FROM schedule WHERE id = $1`, [id]);
        if (!current) return;
        await this.queues.schedule(schedulerId, { pattern: current.cron, tz: 'UTC' }, current.job_name, current.job_data as JobPayloads[JobName]);
        restored += 1;
      });
    }
    let removed = 0;
    for (const queueName of Object.values(QueueName)) {
      const schedulers = await this.queues.queue(queueName).getJobSchedulers(0, -1);
      for (const scheduler of schedulers.filter((s) => s.key.startsWith(SCHEDULER_PREFIX))) {
        await this.sql.transaction(async (tx) => {
          await lock(tx, scheduler.key);
          if ((await this.expectedQueues(tx)).get(scheduler.key) === queueName) return;
          await this.queues.queue(queueName).removeJobScheduler(scheduler.key);
          removed += 1;
        });
      }
    }
    if (restored || removed) this.logger.log(`schedules synced: ${restored} job scheduler(s) set from the schedule table, ${removed} orphan(s) removed`);
    return { restored, removed };
  }

  private transactionOf<T>(within: SqlExecutor | undefined, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return within ? work(within) : this.sql.transaction(work);
  }

  /** scheduler id -> the queue its job runs on, for every row */
  private async expectedQueues(tx: SqlExecutor): Promise<Map<string, QueueName>> {
    const rows = await tx.query<{ vendor_type: string; vendor_id: number | null; job_name: JobName }>(`SELECT vendor_type, vendor_id, job_name FROM schedule`);
    return new Map(rows.map((r) => [schedulerIdOf(r.vendor_type, r.vendor_id), JOB_QUEUE[r.job_name]]));
  }

  private async removeEverywhere(schedulerId: string): Promise<void> {
    for (const queueName of Object.values(QueueName)) await this.queues.queue(queueName).removeJobScheduler(schedulerId);
  }
}

/** Serialises changes to one schedule across api and worker processes (held until the transaction ends). */
async function lock(tx: SqlExecutor, schedulerId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`wharf:schedule:${schedulerId}`]);
}

function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    vendorType: row.vendor_type,
    vendorId: row.vendor_id,
    type: row.type,
    cron: row.cron,
    parameters: row.parameters,
    creationTime: row.creation_time,
    updateTime: row.update_time,
    nextScheduledTime: nextFireTime(row.cron),
  };
}
