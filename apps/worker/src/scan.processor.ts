import { Injectable } from '@nestjs/common';
import { JobName, OnJob, type ScanTaskPayload } from '@wharf/jobs';
import { ScanAll, ScanRobots, ScanTaskRunner } from '@wharf/scanning';

/** Vulnerability scanning: one scan task per job, scan all, and the sweep of scan robots left by dead workers. */
@Injectable()
export class ScanProcessor {
  constructor(
    private readonly runner: ScanTaskRunner,
    private readonly scanAll: ScanAll,
    private readonly robots: ScanRobots,
  ) {}

  @OnJob(JobName.ScanTask)
  run(data: ScanTaskPayload): Promise<unknown> {
    return this.runner.run(data);
  }

  @OnJob(JobName.ScanAll)
  all(data: { executionId?: number }): Promise<unknown> {
    return this.scanAll.run(data);
  }

  @OnJob(JobName.ScanRobotSweep)
  async sweep(): Promise<unknown> {
    return { swept: await this.robots.sweep() };
  }
}
