import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import type { JobsOptions, Queue, RepeatOptions } from 'bullmq';
import { JOB_QUEUE, QueueName, type AnyJob, type JobName, type JobPayloads } from './job-names';

/** BullMQ options from REDIS_URL and REDIS_PREFIX (BullMQ opens its own connections). */
export function bullOptions(config: AppConfig): { connection: { url: string; maxRetriesPerRequest: null }; prefix: string } {
  return { connection: { url: config.REDIS_URL, maxRetriesPerRequest: null }, prefix: `${config.REDIS_PREFIX}:bull` };
}

export type JobOutcome = { state: 'open' | 'completed' | 'absent' } | { state: 'failed'; reason: string };

/**
 * BullMQ (some 5 MB of heap, with its Lua scripts and dependencies) is loaded when the first queue
 * is opened, not with @wharf/jobs: an api process may serve for hours without enqueueing a job.
 */
let loadedBullmq: typeof import('bullmq') | undefined;
const bullmq = (): typeof import('bullmq') => (loadedBullmq ??= require('bullmq') as typeof import('bullmq'));

const DEFAULT_JOB_OPTIONS: JobsOptions = { removeOnComplete: 1000, removeOnFail: 5000, attempts: 3, backoff: { type: 'exponential', delay: 5000 } };

/** The producer side: typed enqueueing and schedules. Services never touch BullMQ directly. */
@Injectable()
export class JobQueues implements OnApplicationShutdown {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      const options = bullOptions(this.config);
      // enqueueing uses no blocking command: it may time out like any other Redis call, so a Redis
      // that stops answering fails the request instead of hanging it (workers keep no timeout)
      const connection = { ...options.connection, commandTimeout: this.config.REDIS_COMMAND_TIMEOUT_SECONDS * 1000 };
      queue = new (bullmq().Queue)(name, { ...options, connection, defaultJobOptions: DEFAULT_JOB_OPTIONS });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue(job: AnyJob, options?: JobsOptions): Promise<void> {
    await this.queue(JOB_QUEUE[job.name]).add(job.name, job.data, options);
  }

  /**
   * Where a job stands: `open` while it is waiting, delayed (a retry's backoff included) or
   * running; `completed`; `failed` once BullMQ gave up on it (with the error of its last attempt,
   * class and message); `absent` when its queue no longer knows it (Redis flushed, job removed).
   */
  async outcome(name: JobName, jobId: string): Promise<JobOutcome> {
    const job = await this.queue(JOB_QUEUE[name]).getJob(jobId);
    if (!job) return { state: 'absent' };
    const state = await job.getState();
    if (state === 'completed') return { state: 'completed' };
    if (state === 'failed') {
      // a stack trace's first line names the error class ("TypeError: x is undefined"); failedReason only has the message
      const lastTrace = job.stacktrace?.at(-1)?.split('\n')[0];
      return { state: 'failed', reason: lastTrace || job.failedReason || 'no reason recorded' };
    }
    // 'unknown' is what getState answers for a job removed between the two reads
    return state === 'unknown' ? { state: 'absent' } : { state: 'open' };
  }

  /** Removes a repeating job's scheduler (a schedule set to None). */
  async unschedule(name: JobName, schedulerId: string): Promise<void> {
    await this.queue(JOB_QUEUE[name]).removeJobScheduler(schedulerId);
  }

  /** Creates or updates a repeating job; one firing per tick however many workers run. */
  async schedule<N extends JobName>(schedulerId: string, repeat: RepeatOptions, name: N, data: JobPayloads[N]): Promise<void> {
    await this.queue(JOB_QUEUE[name]).upsertJobScheduler(schedulerId, repeat, { name, data, opts: DEFAULT_JOB_OPTIONS });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
