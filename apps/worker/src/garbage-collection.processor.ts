import { Injectable } from '@nestjs/common';
import { GarbageCollector } from '@wharf/gc';
import { JobName, type JobHandlers } from '@wharf/jobs';

/** Runs a queued garbage collection; the execution and its task were created by the launcher. */
@Injectable()
export class GarbageCollectionProcessor {
  constructor(private readonly collector: GarbageCollector) {}

  handlers(): JobHandlers {
    return {
      [JobName.GarbageCollection]: (payload, context) => this.collector.run(payload, context),
    };
  }
}
