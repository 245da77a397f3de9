import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wharf_artifact_relist` (migration 1765320000000), run by the tag and reference triggers, returns
 * at once when none of its artifacts can change listing: only one an index names, or one hidden
 * until now, can. That is every tag written for an ordinary image (a push, a proxy-cache fetch, a
 * copy), where its recount statement (three data-modifying CTEs) was about a third of a manifest
 * push's time in Postgres while changing nothing.
 *
 * The full recount keeps its body under a new name, `wharf_artifact_recount`; the new
 * `wharf_artifact_relist` takes the same row locks first (FOR NO KEY UPDATE in id order, so a
 * concurrent writer of the same artifacts' tags or references still recounts after this commit)
 * and then, in a new statement that sees what the lock's previous holder committed, looks for a
 * candidate before recounting.
 */
export class ArtifactRelistEarlyExit1765360000000 implements MigrationInterface {
  name = 'ArtifactRelistEarlyExit1765360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER FUNCTION wharf_artifact_relist(bigint[]) RENAME TO wharf_artifact_recount;

      CREATE FUNCTION wharf_artifact_relist(p_ids bigint[]) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM artifact WHERE id = ANY(p_ids) ORDER BY id FOR NO KEY UPDATE;
        IF EXISTS (SELECT 1 FROM artifact_reference WHERE child_id = ANY(p_ids))
           OR EXISTS (SELECT 1 FROM artifact_unlisted WHERE artifact_id = ANY(p_ids)) THEN
          PERFORM wharf_artifact_recount(p_ids);
        END IF;
      END
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION wharf_artifact_relist(bigint[]);
      ALTER FUNCTION wharf_artifact_recount(bigint[]) RENAME TO wharf_artifact_relist;
    `);
  }
}
