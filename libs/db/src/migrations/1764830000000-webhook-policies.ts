import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook policies (Harbor's notification_policy): per project, the event types they want and
 * the HTTP targets that receive them. Each delivery is an execution (vendor_type WEBHOOK,
 * vendor_id the policy) with a task per target.
 */
export class WebhookPolicies1764830000000 implements MigrationInterface {
  name = 'WebhookPolicies1764830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_policy (
        id            SERIAL PRIMARY KEY,
        project_id    INTEGER NOT NULL REFERENCES project(project_id) ON DELETE CASCADE,
        name          VARCHAR(255) NOT NULL,
        description   TEXT NOT NULL DEFAULT '',
        targets       JSONB NOT NULL,
        event_types   VARCHAR(32)[] NOT NULL,
        enabled       BOOLEAN NOT NULL DEFAULT true,
        creator       VARCHAR(255) NOT NULL DEFAULT '',
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (project_id, name)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_policy;`);
  }
}
