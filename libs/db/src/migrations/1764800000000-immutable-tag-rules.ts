import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tag immutability rules (Harbor's immutable_tag_rule): per project, doublestar selectors on
 * the repository (inside the project) and on the tag. A tag a rule matches may be created, and
 * pushed again with the same digest, but never moved to another digest or deleted.
 */
export class ImmutableTagRules1764800000000 implements MigrationInterface {
  name = 'ImmutableTagRules1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE immutable_tag_rule (
        id              SERIAL PRIMARY KEY,
        project_id      INTEGER NOT NULL REFERENCES project(project_id) ON DELETE CASCADE,
        priority        INTEGER NOT NULL DEFAULT 0,
        disabled        BOOLEAN NOT NULL DEFAULT false,
        action          VARCHAR(32) NOT NULL DEFAULT 'immutable',
        template        VARCHAR(64) NOT NULL DEFAULT 'immutable_template',
        tag_selectors   JSONB NOT NULL,
        scope_selectors JSONB NOT NULL,
        creation_time   TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time     TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX immutable_tag_rule_project_idx ON immutable_tag_rule (project_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE immutable_tag_rule;`);
  }
}
