import { Injectable } from '@nestjs/common';
import { JobName, OnJob, type PreheatTaskPayload } from '@wharf/jobs';
import { PreheatScheduleTick, PreheatTaskRunner } from '@wharf/preheat';

/** P2P preheat: one task per job (see PreheatTaskRunner), and the ticks of scheduled policies. */
@Injectable()
export class PreheatProcessor {
  constructor(
    private readonly runner: PreheatTaskRunner,
    private readonly ticks: PreheatScheduleTick,
  ) {}

  @OnJob(JobName.PreheatTask)
  run(data: PreheatTaskPayload): Promise<unknown> {
    return this.runner.run(data);
  }

  @OnJob(JobName.ScheduledPreheat)
  tick(data: { policyId: number }): Promise<unknown> {
    return this.ticks.tick(data.policyId);
  }
}
