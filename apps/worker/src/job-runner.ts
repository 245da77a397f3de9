import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { JobName, JobQueues, QueueName, RETRY_SCHEDULE, ScheduleService, bullOptions, describeJobFailure, retryDelay, type JobHandler } from '@wharf/jobs';
import { WharfMetrics } from '@wharf/metrics';
import { Worker, type Job } from 'bullmq';
import { performance } from 'node:perf_hooks';
import { EVENT_RELAY_INTERVAL_MS } from './event-relay.processor';
import { JobHandlerDiscovery, collectHandlers } from './job-handler-discovery';
import { jobLogContextOf, runWithJobContext } from './job-log-context';

const WATCHDOG_INTERVAL_MS = 60_000;
// daily at 03:30 UTC (seconds first)
const PROXY_CACHE_RETENTION_CRON = '0 30 3 * * *';

/** Slots per queue in one worker; 2 where not said otherwise. */
const CONCURRENCY: Partial<Record<QueueName, number>> = {
  // one collection at a time anyway (the collector holds a lock): a second slot would only wait
  [QueueName.GarbageCollection]: 1,
  [QueueName.Events]: 1,
  // a target may hang until the delivery timeout; the others go on meanwhile
  [QueueName.Webhook]: 8,
  // an unreachable upstream holds a slot for the whole ping timeout
  [QueueName.RegistryHealth]: 4,
  // copies run side by side (each holds a slot while it streams blobs); resolutions share the queue
  [QueueName.Replication]: 4,
  // a preheat task waits on its provider (polling) for up to its timeout
  [QueueName.Preheat]: 8,
  // a run walks a whole project (a few repositories side by side): runs of two projects at once, not more
  [QueueName.Retention]: 2,
  // a scan task waits on its adapter (polling) for up to 30 minutes; SCAN_CONCURRENCY overrides
  [QueueName.Scan]: 8,
};

/**
 * Runs a BullMQ worker per queue and dispatches each job to the one handler declared for its name
 * (a provider's method marked @OnJob, found at boot). Refuses to start when a job name has no
 * handler or two, so a job can never sit unserved.
 */
@Injectable()
export class JobRunner implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobRunner.name);
  private readonly workers: Worker[] = [];
  private handlers = new Map<JobName, JobHandler>();

  constructor(
    private readonly config: AppConfig,
    private readonly queues: JobQueues,
    private readonly schedules: ScheduleService,
    private readonly discovery: JobHandlerDiscovery,
    private readonly metrics: WharfMetrics,
  ) {}

  /** Every provider exists by now; a missing or doubled handler stops the boot before any queue is consumed. */
  onModuleInit(): void {
    this.handlers = collectHandlers(this.discovery.discover());
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const queueName of Object.values(QueueName)) {
      const concurrency = queueName === QueueName.Scan ? this.config.SCAN_CONCURRENCY : (CONCURRENCY[queueName] ?? 2);
      const worker = new Worker(queueName, (job: Job) => this.run(job), {
        ...bullOptions(this.config),
        concurrency,
        // the operator's schedule (WEBHOOK_RETRY_DELAYS_SECONDS) for jobs queued with backoff type 'schedule'
        settings: { backoffStrategy: (attemptsMade: number, type?: string) => (type === RETRY_SCHEDULE ? retryDelay(this.config.webhookRetryDelaysMs, attemptsMade) : 0) },
      });
      worker.on('failed', (job, error) => {
        const { level, message } = describeJobFailure(job?.name ?? 'job', job?.id, error);
        // the job's fields written out rather than left to the log context: a job can fail while the
        // worker still boots, before main.ts installs the pino logger, and Nest replays such a buffered
        // line later, outside any context
        if (job) this.logger[level]({ ...jobLogContextOf(job), msg: message });
        else this.logger[level](message);
      });
      this.workers.push(worker);
    }
    await this.queues.schedule(
      'purge-abandoned-uploads',
      { every: this.config.UPLOAD_PURGE_INTERVAL_MINUTES * 60_000 },
      JobName.PurgeAbandonedUploads,
      {},
    );
    await this.queues.schedule('execution-watchdog', { every: WATCHDOG_INTERVAL_MS }, JobName.ExecutionWatchdog, {});
    await this.queues.schedule('relay-events', { every: EVENT_RELAY_INTERVAL_MS }, JobName.RelayEvents, {});
    await this.queues.schedule('expire-proxy-cache', { pattern: PROXY_CACHE_RETENTION_CRON, tz: 'UTC' }, JobName.ExpireProxyCache, {});
    await this.queues.schedule('scan-robot-sweep', { every: this.config.SCAN_ROBOT_SWEEP_INTERVAL_SECONDS * 1000 }, JobName.ScanRobotSweep, {});
    await this.queues.schedule('registry-health-sweep', { every: this.config.REGISTRY_HEALTH_INTERVAL_SECONDS * 1000 }, JobName.RegistryHealthSweep, {});
    // the schedule table is the truth: restore what a flushed Redis lost, drop what was deleted
    await this.schedules.syncAll();
    // and once now, so a restart after downtime does not wait a whole interval
    await this.queues.enqueue({ name: JobName.PurgeAbandonedUploads, data: {} });
    this.logger.log(`worker started: queues ${Object.values(QueueName).join(', ')}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  private async run(job: Job): Promise<unknown> {
    const handler = this.handlers.get(job.name as JobName);
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    const attempt = job.attemptsMade + 1;
    // every job, whatever its kind, is timed and counted by outcome here (each attempt once)
    const started = performance.now();
    let status = 'error';
    try {
      const result = await runWithJobContext(job, async () => handler(job.data, { attempt, finalAttempt: attempt >= (job.opts.attempts ?? 1) }));
      status = 'success';
      return result;
    } finally {
      const labels = { type: job.name, status };
      this.metrics.jobs.inc(labels);
      this.metrics.jobDuration.observe(labels, (performance.now() - started) / 1000);
    }
  }
}
