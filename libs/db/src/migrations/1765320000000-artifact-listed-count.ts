import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Slots of a repository's count: a transaction adds to the slot of its transaction id, so 16
 * concurrent pushes into one repository rarely share a row (about 2 pairs in 64 slots; by backend
 * pid, pool connections keep colliding) and the read sums at most 64 rows.
 */
const SLOTS = 64;

/**
 * X-Total-Count of an unfiltered artifact listing in O(1): a count per repository of the
 * artifacts the listing shows, kept by triggers in the same transaction as every write of
 * artifact, tag and artifact_reference rows (pushes, deletes, GC, retention, replication, the
 * proxy cache, copies: whatever path writes them), so it is exactly what the listing's condition
 * counts (ArtifactQueries.list): an artifact is listed unless an index names it and no tag
 * points to it. Counting it over the repository's index range cost ~200 ms at 100k artifacts.
 *
 * - artifact_listed_count: the count, split into SLOTS rows per repository summed on read. A
 *   transaction adds its change to its own slot (upsert, never read-modify-write), so sixteen
 *   pushes into one repository do not queue on one row until their commits.
 * - artifact_unlisted: the artifacts the listing hides now (untagged index children), the state
 *   a change is measured against. A statement that writes or removes tags or references
 *   recounts their artifacts: it locks their rows FOR NO KEY UPDATE (in id order), then compares
 *   "hidden now" with the rows here and moves both. The lock makes a concurrent writer of the
 *   same artifact's tags or references recount after this commit, with a fresh snapshot that
 *   sees it; pushes (KEY SHARE through the foreign keys) and reads do not wait for it. A row lock
 *   rather than an advisory one: a bulk statement (a seed, a retention batch) may touch 100k
 *   artifacts, more than the lock table holds. An index push takes the same lock on its children
 *   before naming them (linkChildren), so it never upgrades a weaker one.
 *
 * An artifact is inserted listed (it has no references yet: they name it by foreign key) and
 * leaves the count when deleted unless it was hidden. A repository's rows go with it.
 */
export class ArtifactListedCount1765320000000 implements MigrationInterface {
  name = 'ArtifactListedCount1765320000000';

  async up(q: QueryRunner): Promise<void> {
    // the backfill below must see every write the triggers will not
    await q.query(`LOCK TABLE artifact, tag, artifact_reference IN SHARE MODE`);
    await q.query(`
      CREATE TABLE artifact_listed_count (
        repository_id INTEGER NOT NULL REFERENCES repository(repository_id) ON DELETE CASCADE,
        slot          SMALLINT NOT NULL,
        listed        BIGINT NOT NULL,
        PRIMARY KEY (repository_id, slot)
      );
      -- no foreign key: the artifact delete trigger removes the row and learns from it that the artifact was not counted
      CREATE TABLE artifact_unlisted (
        artifact_id   BIGINT PRIMARY KEY,
        repository_id INTEGER NOT NULL
      );

      -- adds each repository's change to this transaction's slot, repositories in id order (no deadlock between two multi-repository statements)
      CREATE FUNCTION wharf_listed_count_add(p_repositories integer[], p_changes bigint[]) RETURNS void
      LANGUAGE sql AS $$
        INSERT INTO artifact_listed_count (repository_id, slot, listed)
        SELECT c.repository_id, (pg_current_xact_id()::text::bigint % ${SLOTS})::smallint, c.change
          FROM unnest(p_repositories, p_changes) AS c(repository_id, change)
         WHERE c.change <> 0
         ORDER BY c.repository_id
        ON CONFLICT (repository_id, slot) DO UPDATE SET listed = artifact_listed_count.listed + EXCLUDED.listed
      $$;

      -- recounts artifacts whose tags or references changed (deleted ones are the artifact trigger's)
      CREATE FUNCTION wharf_artifact_relist(p_ids bigint[]) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        repositories integer[];
        changes bigint[];
      BEGIN
        PERFORM 1 FROM artifact WHERE id = ANY(p_ids) ORDER BY id FOR NO KEY UPDATE;
        -- a new statement: its snapshot sees what the lock's previous holder committed
        -- only an artifact an index names, or one hidden until now, can change: a bulk insert of
        -- tagged images looks up no tags
        WITH candidate AS (
          SELECT child_id AS id FROM artifact_reference WHERE child_id = ANY(p_ids)
          UNION
          SELECT artifact_id FROM artifact_unlisted WHERE artifact_id = ANY(p_ids)
        ), state AS (
          SELECT a.id, a.repository_id,
                 NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id)
                   AND EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id) AS hidden,
                 EXISTS (SELECT 1 FROM artifact_unlisted u WHERE u.artifact_id = a.id) AS was_hidden
            FROM candidate c JOIN artifact a ON a.id = c.id
        ), hidden AS (
          INSERT INTO artifact_unlisted (artifact_id, repository_id)
          SELECT id, repository_id FROM state WHERE hidden AND NOT was_hidden
          RETURNING repository_id, -1 AS change
        ), shown AS (
          DELETE FROM artifact_unlisted u USING state s
           WHERE u.artifact_id = s.id AND s.was_hidden AND NOT s.hidden
          RETURNING s.repository_id, 1 AS change
        )
        SELECT array_agg(repository_id), array_agg(change) INTO repositories, changes
          FROM (SELECT repository_id, sum(change)::bigint AS change FROM (SELECT * FROM hidden UNION ALL SELECT * FROM shown) c GROUP BY repository_id) g;
        IF repositories IS NOT NULL THEN
          PERFORM wharf_listed_count_add(repositories, changes);
        END IF;
      END
      $$;

      CREATE FUNCTION wharf_artifact_listed_on_insert() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM wharf_listed_count_add(array_agg(repository_id), array_agg(n))
           FROM (SELECT repository_id, count(*) AS n FROM new_rows GROUP BY repository_id) g
          HAVING count(*) > 0;
        RETURN NULL;
      END
      $$;

      CREATE FUNCTION wharf_artifact_listed_on_delete() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        -- a repository being deleted takes its count with it
        PERFORM wharf_listed_count_add(array_agg(repository_id), array_agg(n)) FROM (
          SELECT o.repository_id, -count(*) AS n FROM old_rows o
           WHERE NOT EXISTS (SELECT 1 FROM artifact_unlisted u WHERE u.artifact_id = o.id)
             AND EXISTS (SELECT 1 FROM repository r WHERE r.repository_id = o.repository_id)
           GROUP BY o.repository_id
        ) g HAVING count(*) > 0;
        DELETE FROM artifact_unlisted u USING old_rows o WHERE u.artifact_id = o.id;
        RETURN NULL;
      END
      $$;

      -- tags: an inserted or deleted tag, or one moved to another artifact, recounts the artifacts on both sides
      CREATE FUNCTION wharf_tag_relist() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM wharf_artifact_relist(array_agg(artifact_id)) FROM new_rows HAVING count(*) > 0;
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM wharf_artifact_relist(array_agg(artifact_id)) FROM old_rows HAVING count(*) > 0;
        ELSE
          PERFORM wharf_artifact_relist(array_agg(v.id)) FROM new_rows n JOIN old_rows o ON o.id = n.id
            CROSS JOIN LATERAL (VALUES (n.artifact_id), (o.artifact_id)) AS v(id)
           WHERE n.artifact_id <> o.artifact_id
          HAVING count(*) > 0;
        END IF;
        RETURN NULL;
      END
      $$;

      -- index references: the children on both sides
      CREATE FUNCTION wharf_reference_relist() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM wharf_artifact_relist(array_agg(child_id)) FROM new_rows HAVING count(*) > 0;
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM wharf_artifact_relist(array_agg(child_id)) FROM old_rows HAVING count(*) > 0;
        ELSE
          PERFORM wharf_artifact_relist(array_agg(v.id)) FROM new_rows n JOIN old_rows o ON o.id = n.id
            CROSS JOIN LATERAL (VALUES (n.child_id), (o.child_id)) AS v(id)
           WHERE n.child_id <> o.child_id
          HAVING count(*) > 0;
        END IF;
        RETURN NULL;
      END
      $$;

      CREATE TRIGGER artifact_listed_insert AFTER INSERT ON artifact REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION wharf_artifact_listed_on_insert();
      CREATE TRIGGER artifact_listed_delete AFTER DELETE ON artifact REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION wharf_artifact_listed_on_delete();
      CREATE TRIGGER tag_relist_insert AFTER INSERT ON tag REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION wharf_tag_relist();
      CREATE TRIGGER tag_relist_delete AFTER DELETE ON tag REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION wharf_tag_relist();
      CREATE TRIGGER tag_relist_update AFTER UPDATE ON tag REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION wharf_tag_relist();
      CREATE TRIGGER reference_relist_insert AFTER INSERT ON artifact_reference REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION wharf_reference_relist();
      CREATE TRIGGER reference_relist_delete AFTER DELETE ON artifact_reference REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION wharf_reference_relist();
      CREATE TRIGGER reference_relist_update AFTER UPDATE ON artifact_reference REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION wharf_reference_relist();

      -- the rows that exist: hidden ones, then each repository's listed count in slot 0
      INSERT INTO artifact_unlisted (artifact_id, repository_id)
      SELECT a.id, a.repository_id FROM artifact a
       WHERE EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id)
         AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id);
      INSERT INTO artifact_listed_count (repository_id, slot, listed)
      SELECT a.repository_id, 0, count(*) FROM artifact a
       WHERE NOT EXISTS (SELECT 1 FROM artifact_unlisted u WHERE u.artifact_id = a.id)
       GROUP BY a.repository_id;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER reference_relist_update ON artifact_reference; DROP TRIGGER reference_relist_delete ON artifact_reference;
      DROP TRIGGER reference_relist_insert ON artifact_reference;
      DROP TRIGGER tag_relist_update ON tag; DROP TRIGGER tag_relist_delete ON tag; DROP TRIGGER tag_relist_insert ON tag;
      DROP TRIGGER artifact_listed_delete ON artifact; DROP TRIGGER artifact_listed_insert ON artifact;
      DROP FUNCTION wharf_reference_relist(); DROP FUNCTION wharf_tag_relist();
      DROP FUNCTION wharf_artifact_listed_on_delete(); DROP FUNCTION wharf_artifact_listed_on_insert();
      DROP FUNCTION wharf_artifact_relist(bigint[]); DROP FUNCTION wharf_listed_count_add(integer[], bigint[]);
      DROP TABLE artifact_unlisted; DROP TABLE artifact_listed_count;
    `);
  }
}
