import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Work run just before each scrape (gauges read from Postgres, BullMQ, the pool); a failing one is logged and skipped. */
export type ScrapeCollector = () => Promise<void> | void;

// request latency: from a cached manifest (~ms) to a multi-GB layer (minutes)
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
// jobs: a relay step (~ms) to a GC or replication run (hours)
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600];

/**
 * The process's Prometheus registry and every metric Wharf exports, in one place so names, labels
 * and help texts cannot drift between the code that counts and the dashboard that reads them.
 * Harbor's names where Harbor has the metric (its core, jobservice and exporter), `wharf_` for
 * what Harbor has no name for. One instance per Nest application (not prom-client's global
 * registry), so several apps in one test process never share counters.
 *
 * Domain libs only count (`inc`, `observe`); the apps own the listener that serves the registry
 * and the collectors that fill scrape-time gauges.
 */
@Injectable()
export class WharfMetrics {
  private readonly logger = new Logger(WharfMetrics.name);
  readonly registry = new Registry();
  private readonly collectors: ScrapeCollector[] = [];
  private defaultsOn = false;

  // --- HTTP (api) ---------------------------------------------------------------------------
  /** Harbor core's counter; `operation` is the route template (never the raw URL), `code` the status */
  readonly httpRequests = new Counter({
    name: 'harbor_core_http_request_total',
    help: 'HTTP requests answered, by method, route template (operation) and status code',
    labelNames: ['method', 'operation', 'code'] as const,
    registers: [this.registry],
  });
  /** Harbor core names this (a summary there); a histogram here so replicas can be aggregated */
  readonly httpDuration = new Histogram({
    name: 'harbor_core_http_request_duration_seconds',
    help: 'Time from request received to response finished, by method, route template (operation) and status code',
    labelNames: ['method', 'operation', 'code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  readonly httpInflight = new Gauge({
    name: 'harbor_core_http_inflight_requests',
    help: 'Requests being served right now',
    registers: [this.registry],
  });
  /** /v2 body bytes (after transfer decoding): `in` from clients (pushes), `out` to them (pulls) */
  readonly registryBytes = new Counter({
    name: 'wharf_registry_bytes_total',
    help: 'Body bytes of /v2 requests (direction="in", pushes) and answers (direction="out", pulls)',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });

  // --- registry hot paths (counted by libs) --------------------------------------------------
  readonly manifestCache = new Counter({
    name: 'wharf_manifest_cache_requests_total',
    help: 'Manifest cache lookups by result (hit, miss, bypass: Redis unavailable)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly proxyCache = new Counter({
    name: 'wharf_proxy_cache_requests_total',
    help: 'Proxy-cache project reads by kind (manifest, blob) and result (hit: served from the local copy, miss: fetched from the upstream)',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  readonly proxyUpstreamRequests = new Counter({
    name: 'wharf_proxy_cache_upstream_requests_total',
    help: 'Requests a proxy-cache project sent to its upstream, by endpoint (the upstream registry name) and operation',
    labelNames: ['endpoint', 'operation'] as const,
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({
    name: 'wharf_redis_errors_total',
    help: 'Errors of the shared Redis connection (connection errors and failed commands seen by caches)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  // --- jobs (worker) ---------------------------------------------------------------------------
  /** Harbor's jobservice counter: `type` the job kind, `status` its outcome (success, error) */
  readonly jobs = new Counter({
    name: 'harbor_jobservice_task_total',
    help: 'Jobs run, by job kind (type) and outcome (status: success, error)',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry],
  });
  /** Harbor's jobservice names this (a summary there) */
  readonly jobDuration = new Histogram({
    name: 'harbor_jobservice_task_process_time_seconds',
    help: 'How long a job ran, by job kind (type) and outcome (status)',
    labelNames: ['type', 'status'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  readonly gcFreedBytes = new Counter({
    name: 'wharf_gc_freed_bytes_total',
    help: 'Bytes of blobs garbage collection deleted from storage',
    registers: [this.registry],
  });

  // --- scrape-time gauges (set by the apps' collectors) ------------------------------------------
  readonly queueSize = new Gauge({
    name: 'harbor_task_queue_size',
    help: 'Jobs waiting in each queue (type = queue name), delayed retries included',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly queueActive = new Gauge({
    name: 'harbor_task_concurrency',
    help: 'Jobs running now in each queue (type = queue name), across all workers',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly eventLag = new Gauge({
    name: 'wharf_event_consumer_lag_events',
    help: 'Events written that each event-stream consumer has not handled yet',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });
  readonly eventLagSeconds = new Gauge({
    name: 'wharf_event_consumer_lag_seconds',
    help: 'Age of the oldest event each consumer has not handled yet (0 when caught up)',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });
  readonly dbPool = new Gauge({
    name: 'wharf_db_pool_connections',
    help: "This process's Postgres pool: connections by state (total, idle) and callers waiting for one (waiting)",
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly uploadSessions = new Gauge({
    name: 'wharf_upload_sessions_open',
    help: 'Blob upload sessions started and not finished, cancelled or purged (all replicas)',
    registers: [this.registry],
  });

  // Harbor's exporter, computed from Postgres
  readonly projectTotal = new Gauge({ name: 'harbor_project_total', help: 'Projects, by public (true, false)', labelNames: ['public'] as const, registers: [this.registry] });
  readonly projectRepoTotal = new Gauge({
    name: 'harbor_project_repo_total',
    help: 'Repositories in each project',
    labelNames: ['public', 'project_name'] as const,
    registers: [this.registry],
  });
  readonly projectMemberTotal = new Gauge({ name: 'harbor_project_member_total', help: 'Members of each project', labelNames: ['project_name'] as const, registers: [this.registry] });
  readonly projectQuotaUsage = new Gauge({ name: 'harbor_project_quota_usage_byte', help: 'Storage each project uses, in bytes', labelNames: ['project_name'] as const, registers: [this.registry] });
  readonly projectQuota = new Gauge({
    name: 'harbor_project_quota_byte',
    help: 'Storage limit of each project, in bytes (-1: unlimited)',
    labelNames: ['project_name'] as const,
    registers: [this.registry],
  });
  readonly artifactPulled = new Gauge({ name: 'harbor_artifact_pulled', help: 'Artifact pulls in each project', labelNames: ['project_name'] as const, registers: [this.registry] });
  readonly projectArtifactTotal = new Gauge({
    name: 'harbor_project_artifact_total',
    help: 'Artifacts in each project, by artifact type',
    labelNames: ['artifact_type', 'project_name', 'public'] as const,
    registers: [this.registry],
  });

  /** Registers work to run before each scrape (apps: gauges read from elsewhere). */
  addCollector(collector: ScrapeCollector): void {
    this.collectors.push(collector);
  }

  /** Node's process metrics (CPU, memory, event loop, GC), only once this process serves metrics. */
  enableDefaultMetrics(): void {
    if (this.defaultsOn) return;
    this.defaultsOn = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** Runs the collectors, then renders the registry in Prometheus's text format. */
  async scrape(): Promise<string> {
    await Promise.all(
      this.collectors.map(async (collect) => {
        try {
          await collect();
        } catch (error) {
          this.logger.warn(`a metrics collector failed: ${(error as Error).message}`);
        }
      }),
    );
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
