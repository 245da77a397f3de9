import { Injectable } from '@nestjs/common';
import type { AuditActor } from '@wharf/audit';
import { ApiError } from '@wharf/errors';
import { GC_VENDOR_TYPE, GcAlreadyRunningError, GcLauncher, GcSchedule } from '@wharf/gc';
import type { Principal } from '@wharf/iam';
import { ExecutionService, InvalidCronError, type ExecutionRecord, type GarbageCollectionOptions } from '@wharf/jobs';
import { auditActorOf } from '../management/audit-actor';
import type { Actor } from '../management/current-actor.decorator';
import { offsetOf, type PageQuery } from '../management/pagination';
import { requireSysadmin } from '../management/project-authorizer';
import { MIN_GC_WORKERS, toGcHistoryResponse, toGcScheduleResponse, type GcHistoryResponse, type GcScheduleRequest, type GcScheduleResponse } from './gc.dto';

/**
 * Harbor's /system/gc, for system administrators only: the GC schedule (GcSchedule, fired by the
 * worker), manual runs (GcLauncher; one collection at a time), the history of runs (GC
 * executions), their logs, and stopping one. Every change is audited by libs/gc in its transaction.
 */
@Injectable()
export class GcManagementService {
  constructor(
    private readonly launcher: GcLauncher,
    private readonly schedule: GcSchedule,
    private readonly executions: ExecutionService,
  ) {}

  async getSchedule(principal: Principal): Promise<GcScheduleResponse> {
    requireSysadmin(principal);
    return toGcScheduleResponse(await this.schedule.get());
  }

  /**
   * Harbor's POST and PUT alike: Manual runs a collection now (its execution id returned), None
   * removes the schedule, any other type sets it (created or replaced).
   */
  async applySchedule(actor: Actor, request: GcScheduleRequest): Promise<{ executionId?: number }> {
    requireSysadmin(actor.principal);
    const options = toOptions(request);
    const { type, cron } = request.schedule;
    if (type === 'Manual') return { executionId: await this.launch(options, auditActorOf(actor)) };
    if (type === 'None') {
      await this.schedule.remove(auditActorOf(actor));
      return {};
    }
    if (type === 'Custom' && !cron?.trim()) throw new ApiError('BAD_REQUEST', 'a Custom schedule needs a cron (6 fields, seconds first)');
    try {
      await this.schedule.set(type, cron, options, auditActorOf(actor));
    } catch (error) {
      if (error instanceof InvalidCronError) throw new ApiError('BAD_REQUEST', error.message);
      throw error;
    }
    return {};
  }

  async list(principal: Principal, query: PageQuery): Promise<{ items: GcHistoryResponse[]; total: number }> {
    requireSysadmin(principal);
    const { items, total } = await this.executions.list(GC_VENDOR_TYPE, { offset: offsetOf(query), limit: query.page_size });
    const schedule = await this.schedule.get();
    return { items: await Promise.all(items.map(async (execution) => toGcHistoryResponse(execution, (await this.executions.tasks(execution.id))[0], schedule))), total };
  }

  async get(principal: Principal, id: number): Promise<GcHistoryResponse> {
    requireSysadmin(principal);
    const execution = await this.find(id);
    return toGcHistoryResponse(execution, (await this.executions.tasks(id))[0], await this.schedule.get());
  }

  /** The run's log as text (one task per collection); empty until the run writes something. */
  async log(principal: Principal, id: number): Promise<string> {
    requireSysadmin(principal);
    await this.find(id);
    const logs = await Promise.all((await this.executions.tasks(id)).map((task) => this.executions.readLog(task.id)));
    return logs.join('');
  }

  /** A pending run stops at once, a running one when the collector next checks; a finished one is left as it is. */
  async stop(actor: Actor, id: number): Promise<void> {
    requireSysadmin(actor.principal);
    const execution = await this.find(id);
    if (execution.status !== 'Running' && execution.status !== 'Pending') return;
    await this.launcher.requestStop(id, auditActorOf(actor));
  }

  private async launch(options: GarbageCollectionOptions, actor: AuditActor): Promise<number> {
    try {
      return await this.launcher.launch(options, 'MANUAL', actor);
    } catch (error) {
      if (error instanceof GcAlreadyRunningError) throw new ApiError('CONFLICT', `a garbage collection is already running (execution ${error.executionId})`);
      throw error;
    }
  }

  private async find(id: number): Promise<ExecutionRecord> {
    const execution = await this.executions.find(GC_VENDOR_TYPE, id);
    if (!execution) throw new ApiError('NOT_FOUND', `garbage collection ${id} not found`);
    return execution;
  }
}

/** Harbor's defaults: keep untagged artifacts, really delete, one worker. */
function toOptions(request: GcScheduleRequest): GarbageCollectionOptions {
  const parameters = request.parameters ?? {};
  return { deleteUntagged: parameters.delete_untagged ?? false, dryRun: parameters.dry_run ?? false, workers: parameters.workers ?? MIN_GC_WORKERS };
}
