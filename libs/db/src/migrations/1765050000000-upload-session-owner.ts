import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Upload sessions know who opened them, so open sessions can be capped per principal
 * (UPLOAD_SESSIONS_PER_PRINCIPAL), and which request holds them: `lease_token` names the holder
 * of the short, renewed lease (`busy_until`), so a holder that lost its lease can neither renew
 * nor end another request's.
 */
export class UploadSessionOwner1765050000000 implements MigrationInterface {
  name = 'UploadSessionOwner1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE upload_session ADD COLUMN principal VARCHAR(255) NOT NULL DEFAULT '', ADD COLUMN lease_token UUID;
      CREATE INDEX upload_session_principal_idx ON upload_session (principal, update_time);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX upload_session_principal_idx;
      ALTER TABLE upload_session DROP COLUMN lease_token, DROP COLUMN principal;
    `);
  }
}
