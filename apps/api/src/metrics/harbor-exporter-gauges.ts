import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { WharfMetrics } from '@wharf/metrics';

/** A scrape every few seconds (several Prometheus servers, replicas) costs one round of queries per this long. */
const CACHE_MS = 10_000;

interface ProjectRow {
  name: string;
  public: boolean;
  storage_used: number;
  storage_limit: number;
  repositories: number;
  members: number;
  pulls: number;
}

/**
 * The gauges Harbor's exporter computes from its database, under Harbor's names and labels,
 * read from Postgres at scrape time (at most once per CACHE_MS, shared by concurrent scrapes):
 * projects, their repositories, members, quota use and limit, pulls and artifacts by type; and
 * the upload sessions open across all replicas.
 */
@Injectable()
export class HarborExporterGauges implements OnModuleInit {
  private fresh: Promise<void> | null = null;
  private readAt = 0;

  constructor(
    private readonly sql: SqlClient,
    private readonly metrics: WharfMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.addCollector(() => this.refresh());
  }

  private refresh(): Promise<void> {
    if (this.fresh && Date.now() - this.readAt < CACHE_MS) return this.fresh;
    this.readAt = Date.now();
    this.fresh = this.read().catch((error: Error) => {
      // the next scrape tries again rather than serving a failure for CACHE_MS
      this.fresh = null;
      throw error;
    });
    return this.fresh;
  }

  private async read(): Promise<void> {
    const [projects, artifacts, uploads] = await Promise.all([
      this.sql.query<ProjectRow>(
        `SELECT p.name, COALESCE(m.value = 'true', false) AS public, p.storage_used, p.storage_limit,
                (SELECT count(*) FROM repository r WHERE r.project_id = p.project_id)::int AS repositories,
                (SELECT count(*) FROM project_member pm WHERE pm.project_id = p.project_id)::int AS members,
                (SELECT COALESCE(sum(r.pull_count), 0) FROM repository r WHERE r.project_id = p.project_id)::bigint AS pulls
           FROM project p LEFT JOIN project_metadata m ON m.project_id = p.project_id AND m.name = 'public'`,
      ),
      this.sql.query<{ name: string; public: boolean; type: string; n: number }>(
        `SELECT p.name, COALESCE(m.value = 'true', false) AS public, a.type, count(*)::int AS n
           FROM artifact a JOIN project p ON p.project_id = a.project_id
           LEFT JOIN project_metadata m ON m.project_id = p.project_id AND m.name = 'public'
          GROUP BY p.name, m.value, a.type`,
      ),
      this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM upload_session`),
    ]);
    const m = this.metrics;
    // reset first: a deleted project's series must disappear, not keep its last value
    for (const gauge of [m.projectTotal, m.projectRepoTotal, m.projectMemberTotal, m.projectQuotaUsage, m.projectQuota, m.artifactPulled, m.projectArtifactTotal]) gauge.reset();
    m.projectTotal.set({ public: 'true' }, projects.filter((p) => p.public).length);
    m.projectTotal.set({ public: 'false' }, projects.filter((p) => !p.public).length);
    for (const p of projects) {
      m.projectRepoTotal.set({ public: String(p.public), project_name: p.name }, p.repositories);
      m.projectMemberTotal.set({ project_name: p.name }, p.members);
      m.projectQuotaUsage.set({ project_name: p.name }, p.storage_used);
      m.projectQuota.set({ project_name: p.name }, p.storage_limit);
      m.artifactPulled.set({ project_name: p.name }, p.pulls);
    }
    for (const a of artifacts) m.projectArtifactTotal.set({ artifact_type: a.type, project_name: a.name, public: String(a.public) }, a.n);
    m.uploadSessions.set(uploads[0]?.n ?? 0);
  }
}
