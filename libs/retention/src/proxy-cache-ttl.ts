import { Injectable, Logger } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { DEFAULT_CACHE_TTL_DAYS } from '@wharf/proxy-cache';
import type { RetentionRule } from './retention-policy';
import { RetentionRuns } from './retention-runs';

export const PROXY_CACHE_OPERATOR = 'proxy-cache-retention';

export interface ProxyCacheExpiryOutcome {
  /** one retention execution per proxy-cache project with a TTL, queued */
  executions: number[];
}

/** The rule a proxy-cache project's `proxy_cache_ttl_days` stands for: keep what was pulled (or cached) within the TTL, tagged or not. */
export function proxyCacheTtlRule(days: number): RetentionRule {
  return {
    action: 'retain',
    template: 'nDaysSinceLastPull',
    params: { nDaysSinceLastPull: days },
    tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: { untagged: true } }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
  };
}

/**
 * The proxy cache's daily expiry, carried out by the retention engine: each proxy-cache project
 * with a TTL (`proxy_cache_ttl_days`, default 7; 0 keeps everything) is one run of its TTL rule
 * (an execution of vendor RETENTION without a policy, trigger SCHEDULE), queued like any other
 * run. What nobody pulled within the TTL goes whole, with the index children nothing else
 * keeps; blobs go at the next GC.
 */
@Injectable()
export class ProxyCacheTtl {
  private readonly logger = new Logger(ProxyCacheTtl.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly runs: RetentionRuns,
  ) {}

  async expire(): Promise<ProxyCacheExpiryOutcome> {
    const projects = await this.sql.query<{ project_id: number; ttl: number }>(
      `SELECT p.project_id, COALESCE(m.value::int, $1) AS ttl
         FROM project p LEFT JOIN project_metadata m ON m.project_id = p.project_id AND m.name = 'proxy_cache_ttl_days'
        WHERE p.registry_id IS NOT NULL ORDER BY p.project_id`,
      [DEFAULT_CACHE_TTL_DAYS],
    );
    const executions: number[] = [];
    for (const project of projects.filter((p) => p.ttl > 0)) {
      executions.push(
        await this.runs.launch(
          { projectId: project.project_id, rules: [proxyCacheTtlRule(project.ttl)], policyId: null },
          { dryRun: false, trigger: 'SCHEDULE', operator: PROXY_CACHE_OPERATOR },
        ),
      );
    }
    if (executions.length) this.logger.log(`proxy-cache expiry: ${executions.length} retention run(s) queued`);
    return { executions };
  }
}
