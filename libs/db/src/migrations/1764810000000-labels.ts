import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Labels (Harbor's harbor_label and harbor_resource_label): global labels (scope 'g', no
 * project) and project labels (scope 'p'), names unique per scope and project, and which
 * artifacts carry them. A label or an artifact that goes takes its attachments with it.
 */
export class Labels1764810000000 implements MigrationInterface {
  name = 'Labels1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE label (
        id            SERIAL PRIMARY KEY,
        name          VARCHAR(128) NOT NULL,
        description   TEXT NOT NULL DEFAULT '',
        color         VARCHAR(16) NOT NULL DEFAULT '',
        scope         CHAR(1) NOT NULL CHECK (scope IN ('g', 'p')),
        project_id    INTEGER REFERENCES project(project_id) ON DELETE CASCADE,
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now(),
        CHECK ((scope = 'g') = (project_id IS NULL))
      );
      CREATE UNIQUE INDEX label_name_idx ON label (scope, (COALESCE(project_id, 0)), name);

      CREATE TABLE artifact_label (
        id            BIGSERIAL PRIMARY KEY,
        label_id      INTEGER NOT NULL REFERENCES label(id) ON DELETE CASCADE,
        artifact_id   BIGINT NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (artifact_id, label_id)
      );
      CREATE INDEX artifact_label_label_idx ON artifact_label (label_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE artifact_label; DROP TABLE label;`);
  }
}
