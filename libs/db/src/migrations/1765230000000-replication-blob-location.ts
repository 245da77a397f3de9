import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which repositories of a remote registry endpoint replication has seen holding a blob (sent,
 * mounted, or found by HEAD), so a later copy of the same blob into another repository there is
 * a cross-repository mount instead of an upload. A hint, not a truth: a mount the registry
 * refuses falls back to an upload. Owned by libs/replication (BlobLocations).
 */
export class ReplicationBlobLocation1765230000000 implements MigrationInterface {
  name = 'ReplicationBlobLocation1765230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE replication_blob_location (
        registry_id INTEGER NOT NULL REFERENCES registry (id) ON DELETE CASCADE,
        digest      TEXT NOT NULL,
        repository  TEXT NOT NULL,
        seen_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (registry_id, digest, repository)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replication_blob_location`);
  }
}
