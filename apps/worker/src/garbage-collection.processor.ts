import { Injectable } from '@nestjs/common';
import { GarbageCollector } from '@wharf/gc';
import { JobName, OnJob, type GarbageCollectionPayload, type JobContext } from '@wharf/jobs';

/** Runs a queued garbage collection; the execution and its task were created by the launcher. */
@Injectable()
export class GarbageCollectionProcessor {
  constructor(private readonly collector: GarbageCollector) {}

  @OnJob(JobName.GarbageCollection)
  run(payload: GarbageCollectionPayload, context: JobContext): Promise<unknown> {
    return this.collector.run(payload, context);
  }
}
