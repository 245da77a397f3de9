import { Injectable, Logger } from '@nestjs/common';
import { GcAlreadyRunningError, GcLauncher } from '@wharf/gc';
import { JobName, OnJob, type GarbageCollectionOptions } from '@wharf/jobs';

/**
 * A tick of the GC schedule: launches a collection (trigger SCHEDULE). A tick that finds one
 * still pending or running is skipped, not failed (a retry would only find it running again).
 */
@Injectable()
export class GcScheduleProcessor {
  private readonly logger = new Logger(GcScheduleProcessor.name);

  constructor(private readonly launcher: GcLauncher) {}

  @OnJob(JobName.ScheduledGarbageCollection)
  async tick(options: GarbageCollectionOptions): Promise<{ executionId: number } | { skippedFor: number }> {
    try {
      const executionId = await this.launcher.launch(options, 'SCHEDULE');
      this.logger.log(`scheduled garbage collection ${executionId} launched`);
      return { executionId };
    } catch (error) {
      if (!(error instanceof GcAlreadyRunningError)) throw error;
      this.logger.warn(`scheduled garbage collection skipped: collection ${error.executionId} is still pending or running`);
      return { skippedFor: error.executionId };
    }
  }
}
