import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable event channel: registry events (push, pull, delete, quota exceeded) are written
 * here in the transaction of the change they report (pulls in batches), so an event exists if
 * and only if its change committed; the worker relays unpublished rows to BullMQ and marks them.
 */
export class EventOutbox1764820000000 implements MigrationInterface {
  name = 'EventOutbox1764820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_outbox (
        id           BIGSERIAL PRIMARY KEY,
        event_type   VARCHAR(32) NOT NULL,
        project_name VARCHAR(255) NOT NULL,
        payload      JSONB NOT NULL,
        occurred_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
        published_at TIMESTAMPTZ
      );
      CREATE INDEX event_outbox_unpublished_idx ON event_outbox (id) WHERE published_at IS NULL;
      CREATE INDEX event_outbox_published_idx ON event_outbox (published_at) WHERE published_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE event_outbox;`);
  }
}
