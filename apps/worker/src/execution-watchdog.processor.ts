import { Injectable, Logger } from '@nestjs/common';
import { ExecutionService, JobName, JobQueues, type JobHandlers } from '@wharf/jobs';

/** A running task that has not reported for this long lost its worker (processors report at least every chunk). */
export const STALE_TASK_SECONDS = 600;
/** A pending task is checked against its queue only after this long, so a job being queued right now is not mistaken for a lost one. */
const PENDING_GRACE_SECONDS = 60;

/**
 * Keeps every visible run honest: a task whose worker died without BullMQ retrying it ends as
 * Error instead of staying Running forever, and a pending task whose queued job vanished (Redis
 * flushed, job removed) ends as Error instead of staying Pending forever.
 */
@Injectable()
export class ExecutionWatchdogProcessor {
  private readonly logger = new Logger(ExecutionWatchdogProcessor.name);

  constructor(
    private readonly executions: ExecutionService,
    private readonly queues: JobQueues,
  ) {}

  handlers(): JobHandlers {
    return {
      [JobName.ExecutionWatchdog]: () => this.check(),
    };
  }

  async check(): Promise<{ stale: number; lost: number }> {
    const stale = await this.executions.failStaleTasks(STALE_TASK_SECONDS);
    let lost = 0;
    for (const task of await this.executions.pendingTasks(PENDING_GRACE_SECONDS)) {
      if (!task.job || (await this.queues.exists(task.job.name, task.job.id))) continue;
      if (await this.executions.transition(task.taskId, 'Error', 'the queued job was lost before a worker took it')) lost += 1;
    }
    if (stale || lost) this.logger.warn(`watchdog ended ${stale} task(s) whose worker stopped and ${lost} whose job was lost`);
    return { stale, lost };
  }
}
