import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `upload_session.first_chunk`: a small first chunk (UploadSessions, FIRST_CHUNK_MAX_BYTES) kept in
 * the session row instead of storage. Most layers docker pushes are one PATCH; kept here, the PUT
 * that closes the upload writes the blob once, straight to its content address, with no staging
 * object to create, seal, rename or copy. A later chunk moves it into the staging object first.
 */
export class UploadSessionFirstChunk1765322000000 implements MigrationInterface {
  name = 'UploadSessionFirstChunk1765322000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE upload_session ADD COLUMN first_chunk bytea`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE upload_session DROP COLUMN first_chunk`);
  }
}
