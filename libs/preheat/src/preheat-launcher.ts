import { Injectable, Logger } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { InvalidError } from '@wharf/errors';
import { ExecutionService, JobName, JobQueues, taskJobId } from '@wharf/jobs';
import { PreheatCandidates } from './preheat-candidates';
import type { PreheatPolicy } from './preheat-policy';
import { PREHEAT_VENDOR } from './preheat-policy.service';

export type PreheatTrigger = 'MANUAL' | 'SCHEDULE' | 'EVENT';

/** What a task records about its artifact (Harbor's task extra_attrs, plus what the worker needs). */
export interface PreheatTaskAttrs {
  artifact: string;
  digest: string;
  kind: 'image';
  repository: string;
  tag: string;
  media_type: string;
}

export interface Launched {
  executionId: number;
  taskIds: number[];
  /** queues the task jobs: run it once the execution's transaction has committed */
  enqueue: () => Promise<void>;
}

/**
 * Starts a run of a policy: selects the artifacts (PreheatCandidates), writes the execution
 * (vendor P2P_PREHEAT, the policy's id) with one task per artifact, then queues one preheat-task
 * job per task. A disabled policy or instance is refused. An event-based run passes the batch's
 * transaction (`within`) and queues after it commits.
 */
@Injectable()
export class PreheatLauncher {
  private readonly logger = new Logger(PreheatLauncher.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly candidates: PreheatCandidates,
    private readonly executions: ExecutionService,
    private readonly queues: JobQueues,
  ) {}

  async launch(policy: PreheatPolicy, trigger: PreheatTrigger, options: { within?: SqlExecutor; only?: { repository: string; digest: string }; skipWhenEmpty?: boolean } = {}): Promise<Launched | null> {
    const db = options.within ?? this.sql;
    if (!policy.enabled) throw new InvalidError('request', `the preheat policy ${policy.name} is disabled`);
    const [instance] = await db.query<{ name: string; enabled: boolean }>(`SELECT name, enabled FROM p2p_preheat_instance WHERE id = $1`, [policy.providerId]);
    if (!instance?.enabled) throw new InvalidError('request', `the preheat instance ${instance?.name ?? policy.providerId} of policy ${policy.name} is disabled`);
    const { selected } = await this.candidates.select(policy, options.only, db);
    if (selected.length === 0 && options.skipWhenEmpty) return null;
    const tasks: PreheatTaskAttrs[] = selected.map((c) => ({
      artifact: `${c.repository}:${c.tag}`,
      digest: c.digest,
      kind: 'image',
      repository: c.repository,
      tag: c.tag,
      media_type: c.mediaType,
    }));
    const trigger_setting = policy.trigger.trigger_setting?.cron ?? '-';
    const { executionId, taskIds } = await this.executions.create(
      { vendorType: PREHEAT_VENDOR, vendorId: policy.id, trigger, extraAttrs: { trigger_setting, instance: instance.name }, tasks: tasks as unknown as Record<string, unknown>[], emptyMessage: 'no artifacts to preheat' },
      options.within,
    );
    const enqueue = async () => {
      for (const taskId of taskIds) {
        const jobId = taskJobId('preheat', taskId);
        try {
          // one attempt: the task ends itself (Error with the provider's reason); a crash is resumed by BullMQ's stalled-job recovery
          await this.queues.enqueue({ name: JobName.PreheatTask, data: { executionId, taskId, policyId: policy.id } }, { jobId, attempts: 1 });
          await this.executions.attachJob(taskId, JobName.PreheatTask, jobId);
        } catch (error) {
          // the task stays Pending without a job: the watchdog ends it as Error
          this.logger.error(`could not queue preheat task ${taskId}: ${(error as Error).message}`);
        }
      }
    };
    return { executionId, taskIds, enqueue };
  }
}
