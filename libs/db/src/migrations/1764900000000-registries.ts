import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registry endpoints (Harbor's `registry`): upstreams for proxy-cache projects and replication.
 * The credential's secret is stored encrypted (AES-256-GCM, key from config), never in clear.
 * A proxy-cache project points at its endpoint by `project.registry_id`; the foreign key keeps
 * an endpoint from being deleted while a project uses it.
 */
export class Registries1764900000000 implements MigrationInterface {
  name = 'Registries1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry (
        id                     SERIAL PRIMARY KEY,
        name                   VARCHAR(255) NOT NULL UNIQUE,
        description            TEXT NOT NULL DEFAULT '',
        type                   VARCHAR(32) NOT NULL,
        url                    VARCHAR(2048) NOT NULL,
        insecure               BOOLEAN NOT NULL DEFAULT false,
        credential_type        VARCHAR(16),
        access_key             VARCHAR(1024),
        access_secret_sealed   TEXT,
        status                 VARCHAR(16) NOT NULL DEFAULT 'unknown',
        status_message         TEXT NOT NULL DEFAULT '',
        last_checked           TIMESTAMPTZ,
        creation_time          TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time            TIMESTAMPTZ NOT NULL DEFAULT now(),
        CHECK (status IN ('healthy', 'unhealthy', 'unknown')),
        CHECK (credential_type IS NULL OR credential_type IN ('basic', 'oauth'))
      );
    `);
    await q.query(`UPDATE project SET registry_id = NULL WHERE registry_id IS NOT NULL`);
    await q.query(`ALTER TABLE project ADD CONSTRAINT project_registry_fk FOREIGN KEY (registry_id) REFERENCES registry(id) ON DELETE RESTRICT`);
    await q.query(`CREATE INDEX project_registry_idx ON project (registry_id) WHERE registry_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX project_registry_idx`);
    await q.query(`ALTER TABLE project DROP CONSTRAINT project_registry_fk`);
    await q.query(`DROP TABLE registry`);
  }
}
