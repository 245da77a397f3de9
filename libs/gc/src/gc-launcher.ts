import { Injectable } from '@nestjs/common';
import type { AuditActor } from '@wharf/audit';
import { SqlClient } from '@wharf/db';
import { ConflictError } from '@wharf/errors';
import { ExecutionService, JobName, JobQueues, taskJobId, type GarbageCollectionOptions } from '@wharf/jobs';
import { auditGcChange } from './gc-audit';

/** Harbor's vendor type for GC executions. */
export const GC_VENDOR_TYPE = 'GARBAGE_COLLECTION';

/** A collection is already pending or running; Harbor answers 409 for a second one. */
export class GcAlreadyRunningError extends ConflictError {
  constructor(readonly executionId: number) {
    super(`garbage collection ${executionId} is already running`);
  }
}

// serialises launches (API and schedule, on any number of api and worker processes)
const LAUNCH_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('wharf:gc:launch'))`;

/**
 * Starts a garbage collection: the execution and its task are written first (so the run is
 * visible before anything is queued), then the job is queued. Used by the API (Manual) and by
 * the schedule (Schedule). Refuses while another collection is pending or running. Also asks a
 * collection to stop. A launch or stop with an `actor` is audited in the transaction that writes it.
 */
@Injectable()
export class GcLauncher {
  constructor(
    private readonly sql: SqlClient,
    private readonly executions: ExecutionService,
    private readonly queues: JobQueues,
  ) {}

  async launch(options: GarbageCollectionOptions, trigger: 'MANUAL' | 'SCHEDULE', actor?: AuditActor): Promise<number> {
    const { executionId, taskIds } = await this.sql.transaction(async (tx) => {
      await tx.query(LAUNCH_LOCK_SQL);
      const active = await tx.query<{ id: number }>(
        `SELECT id FROM execution WHERE vendor_type = $1 AND status IN ('Pending', 'Running') ORDER BY id LIMIT 1`,
        [GC_VENDOR_TYPE],
      );
      if (active[0]) throw new GcAlreadyRunningError(active[0].id);
      const attributes = { delete_untagged: options.deleteUntagged, dry_run: options.dryRun, workers: options.workers };
      const created = await this.executions.create({ vendorType: GC_VENDOR_TYPE, trigger, extraAttrs: attributes, tasks: [attributes] }, tx);
      // committed with the execution: a run whose job then cannot be queued stays in the history
      // (ended as Error) and so in the audit log, as the change that it is
      await auditGcChange(tx, actor, 'create', `execution ${created.executionId}`);
      return created;
    });
    const taskId = taskIds[0];
    const jobId = taskJobId('gc', executionId);
    try {
      await this.executions.attachJob(taskId, JobName.GarbageCollection, jobId);
      // retried from where it stopped (the collector resumes) if the worker dies or the run fails
      await this.queues.enqueue({ name: JobName.GarbageCollection, data: { executionId, taskId, ...options } }, { jobId, attempts: 3 });
    } catch (error) {
      await this.executions.transition(taskId, 'Error', `could not queue the collection: ${(error as Error).message}`);
      throw error;
    }
    return executionId;
  }

  /** Pending tasks stop at once, a running collection when the collector next checks. */
  async requestStop(executionId: number, actor?: AuditActor): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await this.executions.requestStop(executionId, tx);
      await auditGcChange(tx, actor, 'update', `execution ${executionId}`);
    });
  }
}
