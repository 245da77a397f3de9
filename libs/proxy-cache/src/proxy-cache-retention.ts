import { Injectable, Logger } from '@nestjs/common';
import { DeleteArtifactCommand } from '@wharf/artifacts';
import { SqlClient } from '@wharf/db';
import { DEFAULT_CACHE_TTL_DAYS } from './proxy-project';

const BATCH = 500;
const OPERATOR = 'proxy-cache-retention';

export interface RetentionOutcome {
  removed: number;
  /** kept although expired: still named by a fresh index, or an immutable tag */
  kept: number;
}

/**
 * Removes what proxy-cache projects cached but nobody pulled for `proxy_cache_ttl_days`
 * (default 7; 0 keeps everything). An expired index goes with the children no other index keeps
 * (the deep delete every caller shares); a child of an index still in use stays. Blobs are left for
 * the next GC, as with any artifact delete. Run daily by the worker.
 */
@Injectable()
export class ProxyCacheRetention {
  private readonly logger = new Logger(ProxyCacheRetention.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly deletion: DeleteArtifactCommand,
  ) {}

  async expire(): Promise<RetentionOutcome> {
    const outcome: RetentionOutcome = { removed: 0, kept: 0 };
    let after = 0;
    for (;;) {
      const expired = await this.sql.query<{ id: number; repository_name: string; digest: string }>(
        `SELECT a.id, a.repository_name, a.digest
           FROM artifact a
           JOIN project p ON p.project_id = a.project_id AND p.registry_id IS NOT NULL
           LEFT JOIN project_metadata m ON m.project_id = p.project_id AND m.name = 'proxy_cache_ttl_days'
          WHERE a.id > $1
            AND COALESCE(m.value::int, $2) > 0
            AND COALESCE(a.pull_time, a.push_time) < now() - make_interval(days => COALESCE(m.value::int, $2))
            AND NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id)
          ORDER BY a.id LIMIT $3`,
        [after, DEFAULT_CACHE_TTL_DAYS, BATCH],
      );
      if (expired.length === 0) break;
      after = expired[expired.length - 1].id;
      for (const artifact of expired) {
        try {
          await this.deletion.delete(artifact.repository_name, artifact.digest, 'management', OPERATOR);
          outcome.removed += 1;
        } catch (error) {
          // gone meanwhile (an index took it along), re-pulled, or kept by a rule: the next run looks again
          outcome.kept += 1;
          this.logger.debug(`kept ${artifact.repository_name}@${artifact.digest}: ${(error as Error).message}`);
        }
      }
    }
    if (outcome.removed) this.logger.log(`removed ${outcome.removed} cached artifact(s) not pulled within their project's retention`);
    return outcome;
  }
}
