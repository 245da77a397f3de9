import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { SqlClient } from '@wharf/db';

const FLUSH_INTERVAL_MS = 5_000;

/**
 * Pull time and pull count, recorded off the hot path: manifest GETs only note the artifact
 * here, and the notes are written in one batch every few seconds (and on shutdown). Every GET
 * passes here, proxy-cache pulls included (ProxyManifests serves through ManifestQueries), and a
 * child of an index pulled by digest also marks the indexes naming it as pulled.
 */
@Injectable()
export class PullTimeRecorder implements OnModuleDestroy {
  private readonly logger = new Logger(PullTimeRecorder.name);
  private artifacts = new Map<number, number>();
  private tags = new Set<number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly sql: SqlClient) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  record(artifactId: number, tagId: number | null): void {
    this.artifacts.set(artifactId, (this.artifacts.get(artifactId) ?? 0) + 1);
    if (tagId !== null) this.tags.add(tagId);
  }

  async flush(): Promise<void> {
    if (this.artifacts.size === 0) return;
    const artifacts = this.artifacts;
    const tags = this.tags;
    this.artifacts = new Map();
    this.tags = new Set();
    try {
      // the rows are locked in id order, as a push locks an index's children and the artifacts
      // its tags leave: an UPDATE visiting them in another order could deadlock with that push
      await this.sql.query(
        `WITH locked AS (
           SELECT id FROM artifact WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE
         ), pulled AS (
           UPDATE artifact a SET pull_time = now() FROM unnest($1::bigint[], $2::int[]) AS p(id, n), locked l
            WHERE a.id = p.id AND l.id = p.id RETURNING a.repository_id, p.n
         )
         UPDATE repository r SET pull_count = r.pull_count + s.n
           FROM (SELECT repository_id, sum(n) AS n FROM pulled GROUP BY repository_id) s
          WHERE r.repository_id = s.repository_id`,
        [[...artifacts.keys()], [...artifacts.values()]],
      );
      // a manifest pulled by digest out of an index (what a client does after reading the index)
      // is a pull of that index too: retention's "pulled" templates judge the index, not its children
      await this.sql.query(
        `WITH locked AS (
           SELECT id FROM artifact WHERE id IN (SELECT ar.parent_id FROM artifact_reference ar WHERE ar.child_id = ANY($1::bigint[])) ORDER BY id FOR NO KEY UPDATE
         )
         UPDATE artifact p SET pull_time = now() FROM locked WHERE p.id = locked.id`,
        [[...artifacts.keys()]],
      );
      if (tags.size) await this.sql.query(`UPDATE tag SET pull_time = now() WHERE id = ANY($1::bigint[])`, [[...tags]]);
    } catch (error) {
      this.logger.warn(`could not record pull times: ${(error as Error).message}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
