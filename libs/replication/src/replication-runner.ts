import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeFailure } from '@wharf/errors';
import { ExecutionService, type JobContext, type ReplicationExecutionPayload, type ReplicationTaskPayload } from '@wharf/jobs';
import { ARTIFACT_COPIER, type ArtifactCopier, type CopyContext, type CopyOutcome } from './replication-copy';
import type { ReplicationTaskAttributes } from './replication-items';
import { ReplicationLauncher } from './replication-launcher';
import { ReplicationPolicyService } from './replication-policy.service';
import { ReplicationResolver } from './replication-resolver';

/** how often a running task looks for a stop request and tells the watchdog it is alive */
const HEARTBEAT_MS = 5_000;

/**
 * The worker side of replication. `resolve` turns an execution's policy into tasks (one per
 * artifact) and queues them; `runTask` runs one task through the copy engine (ArtifactCopier)
 * with a CopyContext whose log lines go to the task's log, whose progress lives on the task row
 * (a retry after a killed worker resumes from it) and whose signal fires when the execution is
 * asked to stop. A task that fails is retried by its job; on the last attempt it ends as Error.
 */
@Injectable()
export class ReplicationRunner {
  private readonly logger = new Logger(ReplicationRunner.name);

  constructor(
    private readonly executions: ExecutionService,
    private readonly policies: ReplicationPolicyService,
    private readonly resolver: ReplicationResolver,
    private readonly launcher: ReplicationLauncher,
    // the copy engine (ReplicationCopyModule)
    @Inject(ARTIFACT_COPIER) private readonly copier: ArtifactCopier,
  ) {}

  async resolve(payload: ReplicationExecutionPayload, context: JobContext): Promise<{ tasks: number } | { ended: string }> {
    const { executionId, policyId, dryRun } = payload;
    if (await this.executions.stopRequested(executionId)) return { ended: 'stopped' };
    const policy = await this.policies.find(policyId);
    if (!policy) {
      await this.executions.end(executionId, 'Error', `the replication policy ${policyId} was deleted before its execution started`);
      return { ended: 'policy deleted' };
    }
    try {
      const resolved = await this.resolver.resolve(policy);
      if (await this.executions.stopRequested(executionId)) return { ended: 'stopped' };
      await this.launcher.addTasks(executionId, resolved, dryRun);
      return { tasks: resolved.length };
    } catch (error) {
      if (!context.finalAttempt) throw error;
      await this.executions.end(executionId, 'Error', `could not list what to replicate: ${describeFailure(error)}`);
      return { ended: 'error' };
    }
  }

  async runTask(payload: ReplicationTaskPayload, context: JobContext): Promise<CopyOutcome | { ended: string }> {
    const { executionId, taskId } = payload;
    const task = await this.executions.task(taskId);
    if (!task || task.status === 'Success' || task.status === 'Error' || task.status === 'Stopped') return { ended: 'already over' };
    if (await this.executions.stopRequested(executionId)) {
      await this.executions.transition(taskId, 'Stopped', 'stopped before it ran');
      return { ended: 'stopped' };
    }
    const attributes = task.extra_attrs as unknown as ReplicationTaskAttributes;
    if (!(await this.executions.transition(taskId, 'Running'))) return { ended: 'already over' };
    // a retry, or a job BullMQ took back from a worker that died (the task was left Running): the engine resumes from the saved progress
    if (context.attempt > 1) await this.executions.log(taskId, `attempt ${context.attempt}: resuming from the saved progress`);
    else if (task.status === 'Running') await this.executions.log(taskId, 'resuming a run its worker left: the saved progress is kept');

    const abort = new AbortController();
    const heartbeat = setInterval(() => {
      void (async () => {
        if (await this.executions.stopRequested(executionId)) abort.abort(new Error('stop requested'));
        else await this.executions.progress(taskId, { alive_at: new Date().toISOString() });
      })().catch((error: Error) => this.logger.warn(`replication task ${taskId}: heartbeat failed: ${error.message}`));
    }, HEARTBEAT_MS);
    try {
      const outcome = await this.copier.copy(attributes.item, this.contextOf(taskId, attributes.dry_run, abort.signal));
      await this.executions.log(taskId, describeOutcome(outcome));
      await this.executions.progress(taskId, { outcome });
      await this.executions.transition(taskId, 'Success', outcome.reason ?? '');
      return outcome;
    } catch (error) {
      if (abort.signal.aborted) {
        await this.executions.log(taskId, 'stopped on request');
        await this.executions.transition(taskId, 'Stopped', 'stopped on request');
        return { ended: 'stopped' };
      }
      const reason = describeFailure(error);
      await this.executions.log(taskId, `attempt ${context.attempt} failed: ${reason}`);
      if (!context.finalAttempt) throw error;
      await this.executions.transition(taskId, 'Error', reason);
      return { ended: 'error' };
    } finally {
      clearInterval(heartbeat);
    }
  }

  private contextOf(taskId: number, dryRun: boolean, signal: AbortSignal): CopyContext {
    return {
      dryRun,
      signal,
      log: (line) => this.executions.log(taskId, line),
      progress: {
        load: async () => ((await this.executions.taskProgress(taskId)).copy as Record<string, unknown> | undefined) ?? {},
        save: (progress) => this.executions.progress(taskId, { copy: progress }),
      },
    };
  }
}

/** The task log's last line: what happened, and why when it was skipped. */
export function describeOutcome(outcome: CopyOutcome): string {
  const counts = `${outcome.blobsSent} blob(s) sent (${outcome.bytesSent} bytes), ${outcome.blobsSkipped} already there, ${outcome.blobsMounted} mounted`;
  switch (outcome.action) {
    case 'skipped':
      return `skipped: ${outcome.reason ?? 'no reason given'}`;
    case 'would-copy':
      return `dry run: would copy${outcome.reason ? ` (${outcome.reason})` : ''}`;
    case 'would-delete':
      return `dry run: would delete${outcome.reason ? ` (${outcome.reason})` : ''}`;
    case 'deleted':
      return `deleted at the destination${outcome.reason ? ` (${outcome.reason})` : ''}`;
    case 'copied':
      return `copied: ${counts}`;
  }
}
