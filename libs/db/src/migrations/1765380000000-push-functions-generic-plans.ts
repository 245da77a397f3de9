import type { MigrationInterface, QueryRunner } from 'typeorm';

const PUSH_FUNCTION = `wharf_manifest_push(integer, varchar, varchar, varchar, varchar, varchar, varchar, bigint, bytea, jsonb, varchar,
  varchar[], bigint[], varchar[], jsonb[], jsonb[], varchar[], boolean[], varchar[], varchar[], jsonb[])`;

/**
 * Three statements of every manifest push were planned again on every call, 0.55 ms of Postgres's
 * CPU a push (pg_stat_statements with `track_planning` during the bench's manifest PUT row: 3,717
 * plans each in 10 s, 2.0 s of planning in all):
 *
 * - `wharf_manifest_push`'s check of the blobs a manifest names, and `wharf_artifact_relist`'s
 *   row locks (run by the tag trigger): a statement of a PL/pgSQL function is planned for the
 *   values of its parameters five times, then Postgres keeps the generic plan only if it is not
 *   costlier than those plans. For an array parameter the generic plan must assume ten elements
 *   where the custom plans saw one or two, so it never is, and every call plans anew. The generic
 *   plans are the same lookups by digest and by id (the blob check reaches `blob` through its
 *   digest index whatever the statistics say, migration 1765370000000), so these functions now run
 *   with `plan_cache_mode = force_generic_plan`, which holds for the statements they run and the
 *   triggers those fire.
 * - `wharf_listed_count_add`, run by the artifact triggers: a SQL function's statement is planned
 *   at each call of the statement calling it (SQL functions have no plan cache), so it becomes
 *   PL/pgSQL, with generic plans too.
 */
export class PushFunctionsGenericPlans1765380000000 implements MigrationInterface {
  name = 'PushFunctionsGenericPlans1765380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER FUNCTION ${PUSH_FUNCTION} SET plan_cache_mode = force_generic_plan;
      ALTER FUNCTION wharf_artifact_relist(bigint[]) SET plan_cache_mode = force_generic_plan;

      CREATE OR REPLACE FUNCTION wharf_listed_count_add(p_repositories integer[], p_changes bigint[]) RETURNS void
      LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
      BEGIN
        INSERT INTO artifact_listed_count (repository_id, slot, listed)
        SELECT c.repository_id, (pg_current_xact_id()::text::bigint % 64)::smallint, c.change
          FROM unnest(p_repositories, p_changes) AS c(repository_id, change)
         WHERE c.change <> 0
         ORDER BY c.repository_id
        ON CONFLICT (repository_id, slot) DO UPDATE SET listed = artifact_listed_count.listed + EXCLUDED.listed;
      END
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER FUNCTION ${PUSH_FUNCTION} RESET plan_cache_mode;
      ALTER FUNCTION wharf_artifact_relist(bigint[]) RESET plan_cache_mode;

      CREATE OR REPLACE FUNCTION wharf_listed_count_add(p_repositories integer[], p_changes bigint[]) RETURNS void
      LANGUAGE sql AS $$
        INSERT INTO artifact_listed_count (repository_id, slot, listed)
        SELECT c.repository_id, (pg_current_xact_id()::text::bigint % 64)::smallint, c.change
          FROM unnest(p_repositories, p_changes) AS c(repository_id, change)
         WHERE c.change <> 0
         ORDER BY c.repository_id
        ON CONFLICT (repository_id, slot) DO UPDATE SET listed = artifact_listed_count.listed + EXCLUDED.listed
      $$;
    `);
  }
}
