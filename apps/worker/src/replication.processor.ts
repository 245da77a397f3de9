import { Injectable, Logger } from '@nestjs/common';
import { JobName, OnJob, type JobContext, type ReplicationExecutionPayload, type ReplicationTaskPayload } from '@wharf/jobs';
import { ReplicationLauncher, ReplicationRunner } from '@wharf/replication';

/**
 * Replication's jobs: a scheduled policy's tick starts an execution (trigger SCHEDULE; a disabled
 * or deleted policy's tick does nothing); an execution's resolution adds and queues its tasks; a
 * task copies one artifact (retried, resuming from its saved progress, when its worker dies).
 */
@Injectable()
export class ReplicationProcessor {
  private readonly logger = new Logger(ReplicationProcessor.name);

  constructor(
    private readonly launcher: ReplicationLauncher,
    private readonly runner: ReplicationRunner,
  ) {}

  @OnJob(JobName.ScheduledReplication)
  async tick(payload: { policyId: number }): Promise<unknown> {
    try {
      const started = await this.launcher.start(payload.policyId, 'SCHEDULE', { dryRun: false });
      this.logger.log(`scheduled replication of policy ${payload.policyId}: execution ${started.executionId}${started.skipped ? ' (skipped: one still runs)' : ''}`);
      return started;
    } catch (error) {
      const kind = (error as { kind?: string }).kind;
      // the schedule of a policy deleted or disabled meanwhile: nothing to retry
      if (kind === 'not-found' || kind === 'precondition') {
        this.logger.warn(`scheduled replication of policy ${payload.policyId} not started: ${(error as Error).message}`);
        return { notStarted: (error as Error).message };
      }
      throw error;
    }
  }

  @OnJob(JobName.ReplicationExecution)
  resolve(payload: ReplicationExecutionPayload, context: JobContext): Promise<unknown> {
    return this.runner.resolve(payload, context);
  }

  @OnJob(JobName.ReplicationTask)
  run(payload: ReplicationTaskPayload, context: JobContext): Promise<unknown> {
    return this.runner.runTask(payload, context);
  }
}
