import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wharf_upload_session_start(...)`: UploadSessions.start (libs/registry-core, its only caller)
 * as one statement instead of a transaction of four. One principal's starts still take turns on
 * an advisory lock (`p_lock`, the principal's hash), so concurrent ones cannot all pass the count
 * of open sessions; the count runs after the lock with a snapshot of its own (each statement of a
 * plpgsql function takes one), as the separate statements did. The lock is now held for one round
 * trip, not four: 16 clients of one robot starting uploads queued on it. The session row commits
 * without waiting for the WAL flush (see UploadSessions). Returns false, inserting nothing, when
 * the principal holds `p_limit` sessions active within `p_idle_hours` already.
 */
export class UploadSessionStartFunction1765310001000 implements MigrationInterface {
  name = 'UploadSessionStartFunction1765310001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION wharf_upload_session_start(
        p_id uuid, p_project integer, p_repository varchar, p_key varchar, p_state jsonb, p_principal varchar,
        p_idle_hours integer, p_limit integer, p_lock integer
      ) RETURNS boolean
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM set_config('synchronous_commit', 'off', true);
        PERFORM pg_advisory_xact_lock(p_lock, hashtext(p_principal));
        IF (SELECT count(*) FROM upload_session
             WHERE principal = p_principal AND update_time > now() - make_interval(hours => p_idle_hours)) >= p_limit THEN
          RETURN false;
        END IF;
        INSERT INTO upload_session (id, project_id, repository_name, storage_key, storage_state, principal)
        VALUES (p_id, p_project, p_repository, p_key, p_state, p_principal);
        RETURN true;
      END
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION wharf_upload_session_start(uuid, integer, varchar, varchar, jsonb, varchar, integer, integer, integer)');
  }
}
