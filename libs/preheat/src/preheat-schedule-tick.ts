import { Injectable, Logger } from '@nestjs/common';
import { ScheduleService } from '@wharf/jobs';
import { PreheatLauncher } from './preheat-launcher';
import { PREHEAT_VENDOR, PreheatPolicyService } from './preheat-policy.service';

/** A tick of a scheduled policy: runs it (trigger SCHEDULE); a schedule whose policy is gone (its project was deleted) is removed. */
@Injectable()
export class PreheatScheduleTick {
  private readonly logger = new Logger(PreheatScheduleTick.name);

  constructor(
    private readonly policies: PreheatPolicyService,
    private readonly launcher: PreheatLauncher,
    private readonly schedules: ScheduleService,
  ) {}

  async tick(policyId: number): Promise<{ executionId?: number; skipped?: string }> {
    const policy = await this.policies.find(policyId);
    if (!policy) {
      await this.schedules.remove(PREHEAT_VENDOR, policyId);
      return { skipped: 'policy gone; schedule removed' };
    }
    if (!policy.enabled || policy.trigger.type !== 'scheduled') return { skipped: 'policy disabled or no longer scheduled' };
    try {
      const run = await this.launcher.launch(policy, 'SCHEDULE');
      await run!.enqueue();
      this.logger.log(`scheduled preheat of policy ${policy.name} launched as execution ${run!.executionId}`);
      return { executionId: run!.executionId };
    } catch (error) {
      this.logger.warn(`scheduled preheat of policy ${policy.name} not run: ${(error as Error).message}`);
      return { skipped: (error as Error).message };
    }
  }
}
