import { Injectable } from '@nestjs/common';
import type { AuditActor } from '@wharf/audit';
import { JobName, ScheduleService, type GarbageCollectionOptions, type Schedule, type ScheduleType } from '@wharf/jobs';
import { auditGcChange } from './gc-audit';
import { GC_VENDOR_TYPE } from './gc-launcher';

/**
 * The GC schedule (one per install), kept by ScheduleService and fired by the worker as
 * scheduled-garbage-collection ticks. A change made with an `actor` is audited (`schedule`) in
 * the transaction that writes the schedule row, before the job scheduler follows it.
 */
@Injectable()
export class GcSchedule {
  constructor(private readonly schedules: ScheduleService) {}

  async get(): Promise<Schedule | null> {
    return this.schedules.get(GC_VENDOR_TYPE);
  }

  /** Creates or replaces the schedule; throws InvalidCronError for a cron the scheduler cannot run. */
  async set(type: ScheduleType, cron: string | undefined, options: GarbageCollectionOptions, actor?: AuditActor): Promise<{ created: boolean }> {
    // the API's view of what each run does, in Harbor's field names
    const parameters = { delete_untagged: options.deleteUntagged, dry_run: options.dryRun, workers: options.workers };
    const { created } = await this.schedules.set(GC_VENDOR_TYPE, { type, cron, parameters }, JobName.ScheduledGarbageCollection, options, (tx, change) =>
      auditGcChange(tx, actor, change.created ? 'create' : 'update', 'schedule'),
    );
    return { created };
  }

  /** Removes the schedule (Harbor's type None); false, and nothing audited, when there was none. */
  async remove(actor?: AuditActor): Promise<boolean> {
    return this.schedules.remove(GC_VENDOR_TYPE, null, (tx) => auditGcChange(tx, actor, 'delete', 'schedule'));
  }
}
