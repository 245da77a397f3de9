import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wharf_quota_charge(project, blob ids, sizes)`: the quota ledger's charge (QuotaLedger in
 * libs/projects, its only caller) as one statement instead of a transaction of three: it locks
 * the project row, links the blobs new to the project and adds their sizes, in that order (the
 * ledger's lock order: the project row before its project_blob rows). Beyond the limit it raises
 * SQLSTATE WQ001 with the project's name, limit and usage as JSON in DETAIL, so the statement
 * (and the caller's transaction) leaves nothing linked. Returns the bytes charged. A blob push
 * saves four round trips and a commit with it; inside a manifest push's transaction it is one
 * round trip at the end, where it holds the project row only until the commit.
 */
export class QuotaChargeFunction1765310000000 implements MigrationInterface {
  name = 'QuotaChargeFunction1765310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION wharf_quota_charge(p_project integer, p_blobs bigint[], p_sizes bigint[]) RETURNS bigint
      LANGUAGE plpgsql AS $$
      DECLARE
        charged bigint;
        refused record;
      BEGIN
        PERFORM 1 FROM project WHERE project_id = p_project FOR NO KEY UPDATE;
        -- in the order given (the caller sorts by id), so concurrent charges of shared blobs cannot deadlock on the unique key
        WITH wanted AS (
          SELECT id, size, n FROM unnest(p_blobs, p_sizes) WITH ORDINALITY AS t(id, size, n)
        ), linked AS (
          INSERT INTO project_blob (project_id, blob_id) SELECT p_project, id FROM wanted ORDER BY n
          ON CONFLICT DO NOTHING RETURNING blob_id
        )
        SELECT COALESCE(sum(w.size), 0) INTO charged
          FROM linked JOIN wanted w ON w.id = linked.blob_id;
        IF charged = 0 THEN
          RETURN 0;
        END IF;
        UPDATE project SET storage_used = storage_used + charged
         WHERE project_id = p_project AND (storage_limit < 0 OR storage_used + charged <= storage_limit);
        IF NOT FOUND THEN
          SELECT name, storage_limit, storage_used INTO refused FROM project WHERE project_id = p_project;
          RAISE EXCEPTION 'storage quota exceeded' USING ERRCODE = 'WQ001',
            DETAIL = json_build_object('name', refused.name, 'limit', refused.storage_limit, 'used', refused.storage_used, 'size', charged)::text;
        END IF;
        RETURN charged;
      END
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION wharf_quota_charge(integer, bigint[], bigint[])');
  }
}
