import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { SqlClient } from '@wharf/db';
import { MetricsModule, WharfMetrics, listenForScrapes, listeningPort, watchProcessResources } from '@wharf/metrics';
import { REDIS } from '@wharf/redis';
import type Redis from 'ioredis';
import type { Server } from 'node:http';
import { HarborExporterGauges } from './harbor-exporter-gauges';

/** Serves the api's /metrics on METRICS_PORT (its own listener, never the public port) from bootstrap to shutdown. */
@Injectable()
export class ApiMetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: WharfMetrics,
    private readonly sql: SqlClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    watchProcessResources(this.metrics, this.sql, this.redis);
    const port = this.config.METRICS_PORT;
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
}

/** The api's metrics: the registry (MetricsModule), Harbor's exporter gauges, and the listener. */
@Module({
  imports: [MetricsModule],
  providers: [HarborExporterGauges, ApiMetricsListener],
})
export class ApiMetricsModule {}
