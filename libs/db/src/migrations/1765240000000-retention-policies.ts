import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tag retention policies (Harbor's /retentions): one per project at most (the project's
 * `retention_id` metadata names it), rules and trigger as Harbor's JSON. Runs are executions of
 * vendor RETENTION with one task per repository (the existing execution/task tables).
 */
export class RetentionPolicies1765240000000 implements MigrationInterface {
  name = 'RetentionPolicies1765240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE retention_policy (
        id            SERIAL PRIMARY KEY,
        project_id    INTEGER NOT NULL UNIQUE REFERENCES project(project_id) ON DELETE CASCADE,
        algorithm     VARCHAR(16) NOT NULL DEFAULT 'or',
        rules         JSONB NOT NULL DEFAULT '[]',
        trigger       JSONB NOT NULL DEFAULT '{"kind":"Schedule","settings":{}}',
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE retention_policy;`);
  }
}
