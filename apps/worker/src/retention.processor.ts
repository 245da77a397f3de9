import { Injectable, Logger } from '@nestjs/common';
import { JobName, OnJob, type RetentionRunPayload } from '@wharf/jobs';
import { RetentionPolicies, RetentionRuns } from '@wharf/retention';

/** Tag retention runs (the execution and its tasks exist beforehand) and the ticks of policies' schedules. */
@Injectable()
export class RetentionProcessor {
  private readonly logger = new Logger(RetentionProcessor.name);

  constructor(
    private readonly runs: RetentionRuns,
    private readonly policies: RetentionPolicies,
  ) {}

  @OnJob(JobName.RetentionRun)
  run(payload: RetentionRunPayload): Promise<unknown> {
    return this.runs.run(payload.executionId);
  }

  /** A tick of a policy's schedule: a real run (trigger SCHEDULE); a policy deleted meanwhile loses its schedule. */
  @OnJob(JobName.ScheduledRetention)
  async tick(payload: { policyId: number }): Promise<{ executionId: number } | { gone: true }> {
    const policy = await this.policies.get(payload.policyId);
    if (!policy) {
      await this.policies.syncSchedule(payload.policyId, '');
      return { gone: true };
    }
    const executionId = await this.runs.launch({ projectId: policy.scope.ref, rules: policy.rules, policyId: policy.id }, { dryRun: false, trigger: 'SCHEDULE' });
    this.logger.log(`scheduled retention execution ${executionId} of policy ${policy.id} launched`);
    return { executionId };
  }
}
