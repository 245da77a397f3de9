import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replication policies (Harbor's replication_policy): one side is a registry endpoint, the other
 * is this Wharf (its column NULL). Each run is an execution (vendor_type REPLICATION, vendor_id
 * the policy) with a task per artifact. An endpoint a policy names cannot be deleted (the foreign
 * key backs up the 412 the registries lib answers first).
 */
export class ReplicationPolicies1765220000000 implements MigrationInterface {
  name = 'ReplicationPolicies1765220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE replication_policy (
        id                           SERIAL PRIMARY KEY,
        name                         VARCHAR(255) NOT NULL UNIQUE,
        description                  TEXT NOT NULL DEFAULT '',
        src_registry_id              INTEGER REFERENCES registry(id),
        dest_registry_id             INTEGER REFERENCES registry(id),
        dest_namespace               VARCHAR(255) NOT NULL DEFAULT '',
        dest_namespace_replace_count SMALLINT NOT NULL DEFAULT -1,
        trigger                      JSONB NOT NULL,
        filters                      JSONB NOT NULL DEFAULT '[]',
        replicate_deletion           BOOLEAN NOT NULL DEFAULT false,
        override                     BOOLEAN NOT NULL DEFAULT false,
        enabled                      BOOLEAN NOT NULL DEFAULT true,
        speed                        INTEGER NOT NULL DEFAULT 0,
        copy_by_chunk                BOOLEAN NOT NULL DEFAULT false,
        single_active_replication    BOOLEAN NOT NULL DEFAULT false,
        creator                      VARCHAR(255) NOT NULL DEFAULT '',
        creation_time                TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time                  TIMESTAMPTZ NOT NULL DEFAULT now(),
        CHECK ((src_registry_id IS NULL) <> (dest_registry_id IS NULL))
      );
      CREATE INDEX replication_policy_src_idx ON replication_policy (src_registry_id);
      CREATE INDEX replication_policy_dest_idx ON replication_policy (dest_registry_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replication_policy;`);
  }
}
