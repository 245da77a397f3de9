import { Injectable, Logger } from '@nestjs/common';
import { ExecutionService, JobName, JobQueues, OnJob, type OpenTask } from '@wharf/jobs';

/** A running task that has not reported for this long lost its worker (processors report at least every chunk). */
export const STALE_TASK_SECONDS = 600;
/** A pending task is checked against its queue only after this long, so a job being queued right now is not mistaken for a lost one. */
const PENDING_GRACE_SECONDS = 60;

/**
 * Keeps every visible run honest: a task whose worker died without BullMQ retrying it ends as
 * Error instead of staying Running forever, and so does a task whose queued job is over while the
 * task is not: the job failed (BullMQ gave up, e.g. the handler threw before its first
 * transition), completed without ending the task, or vanished before a worker took it (Redis
 * flushed, job removed). A GC left Pending would otherwise refuse every later GC with 409. An open
 * execution (created before its tasks, as a replication is) whose preparing job is over or lost
 * ends as Error too.
 */
@Injectable()
export class ExecutionWatchdogProcessor {
  private readonly logger = new Logger(ExecutionWatchdogProcessor.name);

  constructor(
    private readonly executions: ExecutionService,
    private readonly queues: JobQueues,
  ) {}

  /** `stale`: tasks whose worker stopped reporting; `lost`: tasks whose job is no longer running them. */
  @OnJob(JobName.ExecutionWatchdog)
  async check(): Promise<{ stale: number; lost: number }> {
    const stale = await this.executions.failStaleTasks(STALE_TASK_SECONDS);
    let lost = 0;
    for (const task of await this.executions.openTasks(PENDING_GRACE_SECONDS)) {
      const reason = await this.whyOver(task);
      // compare-and-set on the revision read before the job: a task its handler moved meanwhile is left alone
      if (!reason || !(await this.executions.transition(task.taskId, 'Error', reason, task.revision))) continue;
      await this.executions.log(task.taskId, `ended by the watchdog: ${reason}`);
      lost += 1;
    }
    // an open execution (its tasks still to be added, e.g. a replication resolving its artifacts) whose preparing job is over
    for (const open of await this.executions.openExecutions(PENDING_GRACE_SECONDS)) {
      const outcome = open.job ? await this.queues.outcome(open.job.name, open.job.id) : { state: 'absent' as const };
      const reason =
        outcome.state === 'failed' ? `the job preparing its tasks failed: ${outcome.reason}`
        : outcome.state === 'completed' ? 'the job preparing its tasks completed without adding them'
        : outcome.state === 'absent' ? 'the job preparing its tasks was lost'
        : null;
      if (reason && (await this.executions.end(open.executionId, 'Error', reason, undefined, open.revision))) lost += 1;
    }
    if (stale || lost) this.logger.warn(`watchdog ended ${stale} task(s) whose worker stopped and ${lost} whose job was over or lost`);
    return { stale, lost };
  }

  /** Why the task can no longer end by itself, or null while its job may still end it. */
  private async whyOver(task: OpenTask): Promise<string | null> {
    if (!task.job) return task.status === 'Pending' && !task.young ? 'no job was queued for the task' : null;
    const outcome = await this.queues.outcome(task.job.name, task.job.id);
    if (outcome.state === 'failed') return `the job failed: ${outcome.reason}`;
    if (outcome.state === 'completed') return 'the job completed without finishing the task';
    // a running task whose job vanished may still be running: the stale check ends it if it stops reporting
    if (outcome.state === 'absent' && task.status === 'Pending' && !task.young) return 'the queued job was lost before a worker took it';
    return null;
  }
}
