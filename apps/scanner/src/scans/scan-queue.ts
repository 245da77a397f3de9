import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { bullOptions } from '@wharf/jobs';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { ScanRepository } from './scan.repository';
import { SCANNER_QUEUE, ScannerJob, type ScanJobData } from './scan-jobs';
import { ScanRunner } from './scan-runner';

const EXPIRY_EVERY_MS = 10 * 60_000;
/** a scan job is tried twice (a replica that died mid-scan, a registry that was briefly away); its authorization goes with it */
const SCAN_ATTEMPTS = 2;

/**
 * The scanner's queue: the API enqueues scan jobs, every scanner replica runs a BullMQ worker
 * on it (SCANNER_CONCURRENCY scans at once each), and one replica at a time runs the expiry.
 * A job a dead replica held is taken over by another (BullMQ's stalled-job check).
 */
@Injectable()
export class ScanQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ScanQueue.name);
  private readonly queue: Queue;
  private worker?: Worker;

  constructor(
    private readonly config: AppConfig,
    private readonly scans: ScanRepository,
    private readonly runner: ScanRunner,
  ) {
    const options = bullOptions(config);
    // enqueueing may time out like any Redis call, so an unanswering Redis fails the POST instead of hanging it
    this.queue = new Queue(SCANNER_QUEUE, { ...options, connection: { ...options.connection, commandTimeout: config.REDIS_COMMAND_TIMEOUT_SECONDS * 1000 } });
  }

  async enqueue(data: ScanJobData): Promise<void> {
    await this.queue.add(ScannerJob.Scan, data, {
      jobId: data.scanId,
      attempts: SCAN_ATTEMPTS,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker = new Worker(SCANNER_QUEUE, (job: Job) => this.run(job), { ...bullOptions(this.config), concurrency: this.config.SCANNER_CONCURRENCY });
    this.worker.on('failed', (job, error) => {
      if (!job || job.name !== ScannerJob.Scan) return;
      // the last attempt failed before the runner could say why (e.g. stalled twice): the scan must still end
      const data = job.data as ScanJobData;
      if (job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError) {
        void this.scans.fail(data.scanId, `the scan failed: ${error.message}`).catch(() => undefined);
      }
    });
    this.worker.on('error', (error) => this.logger.warn(`scanner queue: ${error.message}`));
    await this.queue.upsertJobScheduler('expire-scans', { every: EXPIRY_EVERY_MS }, { name: ScannerJob.ExpireScans, data: {}, opts: { removeOnComplete: 10, removeOnFail: 10 } });
    this.logger.log(`scanner worker started: queue ${SCANNER_QUEUE}, ${this.config.SCANNER_CONCURRENCY} scans at once`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }

  private async run(job: Job): Promise<void> {
    if (job.name === ScannerJob.ExpireScans) {
      const { removed, timedOut } = await this.scans.expire(this.config.SCANNER_REPORT_TTL_HOURS, this.config.SCANNER_SCAN_TIMEOUT_MINUTES);
      if (removed || timedOut) this.logger.log(`expired ${removed} scans, timed out ${timedOut}`);
      return;
    }
    if (job.name !== ScannerJob.Scan) throw new UnrecoverableError(`unknown job ${job.name}`);
    const data = job.data as ScanJobData;
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    // a TransientScanError thrown here is retried after the backoff; the runner ends the scan itself otherwise
    await this.runner.run(data.scanId, data.authorization, finalAttempt);
  }
}
