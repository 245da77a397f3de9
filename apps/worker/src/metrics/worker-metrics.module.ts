import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { SqlClient } from '@wharf/db';
import { EventStream, EventsModule } from '@wharf/events';
import { JobQueues, QueueName } from '@wharf/jobs';
import { MetricsModule, WharfMetrics, listenForScrapes, listeningPort, watchProcessResources } from '@wharf/metrics';
import { REDIS } from '@wharf/redis';
import type Redis from 'ioredis';
import type { Server } from 'node:http';

/** Queue depths and consumer lag are read at most this often, however many scrapes come. */
const CACHE_MS = 5_000;

/**
 * The worker's metrics: queue depth and running jobs per queue (BullMQ's counts), each event
 * consumer's lag (EventStream.lag()), the pool and Redis; jobs count themselves in JobRunner.
 * Served on WORKER_METRICS_PORT from bootstrap to shutdown.
 */
@Injectable()
export class WorkerMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;
  private fresh: Promise<void> | null = null;
  private readAt = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: WharfMetrics,
    private readonly queues: JobQueues,
    private readonly stream: EventStream,
    private readonly sql: SqlClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    watchProcessResources(this.metrics, this.sql, this.redis);
    this.metrics.addCollector(() => this.refresh());
    const port = this.config.WORKER_METRICS_PORT;
    if (!this.config.METRICS_ENABLED || port === 0) return;
    this.metrics.enableDefaultMetrics();
    this.server = await listenForScrapes(this.metrics, port, this.config.METRICS_HOST);
    this.logger.log(`metrics on http://${this.config.METRICS_HOST}:${listeningPort(this.server)}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private refresh(): Promise<void> {
    if (this.fresh && Date.now() - this.readAt < CACHE_MS) return this.fresh;
    this.readAt = Date.now();
    this.fresh = this.read().catch((error: Error) => {
      this.fresh = null;
      throw error;
    });
    return this.fresh;
  }

  private async read(): Promise<void> {
    const [counts, lags] = await Promise.all([
      Promise.all(Object.values(QueueName).map(async (name) => ({ name, counts: await this.queues.queue(name).getJobCounts('waiting', 'delayed', 'prioritized', 'active') }))),
      this.stream.lag(),
    ]);
    for (const { name, counts: c } of counts) {
      this.metrics.queueSize.set({ type: name }, (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0));
      this.metrics.queueActive.set({ type: name }, c.active ?? 0);
    }
    this.metrics.eventLag.reset();
    this.metrics.eventLagSeconds.reset();
    for (const lag of lags) {
      this.metrics.eventLag.set({ consumer: lag.name }, lag.behind);
      this.metrics.eventLagSeconds.set({ consumer: lag.name }, lag.oldestAgeSeconds);
    }
  }
}

@Module({ imports: [MetricsModule, EventsModule], providers: [WorkerMetrics] })
export class WorkerMetricsModule {}
