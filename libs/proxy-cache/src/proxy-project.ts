import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';

/** A proxy-cache project with its settings (project metadata, Harbor-style string values, read once here). */
export interface ProxyProject {
  id: number;
  name: string;
  registryId: number;
  /** seconds a tag checked upstream is served without checking again (0: check every time) */
  freshnessSeconds: number;
  /** serve the local copy of a tag the upstream no longer has (default true) */
  keepOnUpstream404: boolean;
  /** cap on the upstream transfer rate in KiB/s (-1: none) */
  speedLimitKb: number;
  /** concurrent upstream requests this project may have open (-1: no limit) */
  maxUpstreamConnections: number;
  /** cached artifacts not pulled for this many days are removed (the retention job) */
  cacheTtlDays: number;
}

export const DEFAULT_CACHE_TTL_DAYS = 7;

// registry_id never changes after creation; metadata edits take effect within this long
const LOOKUP_TTL_MS = 5_000;

/**
 * Which projects are proxy caches. Asked on every /v2 request, so answers (also "not a proxy")
 * are kept in process memory for a few seconds: a regular project's pull costs no query here.
 */
@Injectable()
export class ProxyProjects {
  private readonly cache = new Map<string, { project: ProxyProject | null; until: number }>();

  constructor(private readonly sql: SqlClient) {}

  async find(projectName: string): Promise<ProxyProject | null> {
    const now = Date.now();
    const cached = this.cache.get(projectName);
    if (cached && cached.until > now) return cached.project;
    const project = await this.load(projectName);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(projectName, { project, until: now + LOOKUP_TTL_MS });
    return project;
  }

  /** After a settings change made by this process: the next request reads them again. */
  forget(projectName: string): void {
    this.cache.delete(projectName);
  }

  private async load(projectName: string): Promise<ProxyProject | null> {
    const rows = await this.sql.query<{ id: number; name: string; registry_id: number | null; metadata: Record<string, string> | null }>(
      `SELECT p.project_id AS id, p.name, p.registry_id,
              (SELECT jsonb_object_agg(m.name, m.value) FROM project_metadata m WHERE m.project_id = p.project_id) AS metadata
         FROM project p WHERE p.name = $1`,
      [projectName],
    );
    const row = rows[0];
    if (!row || row.registry_id === null) return null;
    return proxyProjectOf(row.id, row.name, row.registry_id, row.metadata ?? {});
  }
}

export function proxyProjectOf(id: number, name: string, registryId: number, metadata: Record<string, string>): ProxyProject {
  const int = (key: string, fallback: number): number => (metadata[key] !== undefined && /^-?\d+$/.test(metadata[key]) ? Number(metadata[key]) : fallback);
  return {
    id,
    name,
    registryId,
    freshnessSeconds: int('proxy_freshness_seconds', 0),
    keepOnUpstream404: metadata.proxy_keep_on_upstream_404 !== 'false',
    speedLimitKb: int('proxy_speed_kb', -1),
    maxUpstreamConnections: int('max_upstream_conn', -1),
    cacheTtlDays: int('proxy_cache_ttl_days', DEFAULT_CACHE_TTL_DAYS),
  };
}
