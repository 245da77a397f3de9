import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox becomes an ordered log read by named consumers (libs/events/src/event-stream.ts).
 * `position` is given by one sequencer at a time (the lock on the single `event_stream_head`
 * row), to rows already committed, in the order it finds them: gap-free and never assigned
 * below a position a consumer may already have passed, which outbox ids (taken from a sequence
 * before commit, so committing out of order) cannot promise. Each consumer keeps its cursor in
 * `event_consumer`. `published_at` (one consumer's mark) goes.
 *
 * Existing rows are numbered in id order. The webhook consumer starts before the first event
 * the old relay had not published (it may see a few published after it again: at least once),
 * the audit consumer at the head: until now the api audited artifact changes itself.
 */
export class EventStream1765100000000 implements MigrationInterface {
  name = 'EventStream1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE event_outbox ADD COLUMN position BIGINT;
      UPDATE event_outbox e SET position = n.position
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS position FROM event_outbox) n WHERE n.id = e.id;
      CREATE UNIQUE INDEX event_outbox_position_idx ON event_outbox (position);
      CREATE INDEX event_outbox_unsequenced_idx ON event_outbox (id) WHERE position IS NULL;

      CREATE TABLE event_stream_head (
        singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
        position  BIGINT NOT NULL
      );
      INSERT INTO event_stream_head (position) SELECT COALESCE(max(position), 0) FROM event_outbox;

      CREATE TABLE event_consumer (
        name       VARCHAR(64) PRIMARY KEY,
        position   BIGINT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      INSERT INTO event_consumer (name, position)
        SELECT 'webhooks', COALESCE((SELECT min(position) - 1 FROM event_outbox WHERE published_at IS NULL), (SELECT position FROM event_stream_head));
      INSERT INTO event_consumer (name, position) SELECT 'audit', position FROM event_stream_head;

      DROP INDEX event_outbox_unpublished_idx;
      DROP INDEX event_outbox_published_idx;
      ALTER TABLE event_outbox DROP COLUMN published_at;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE event_outbox ADD COLUMN published_at TIMESTAMPTZ;
      UPDATE event_outbox SET published_at = now()
       WHERE position <= (SELECT position FROM event_consumer WHERE name = 'webhooks');
      CREATE INDEX event_outbox_unpublished_idx ON event_outbox (id) WHERE published_at IS NULL;
      CREATE INDEX event_outbox_published_idx ON event_outbox (published_at) WHERE published_at IS NOT NULL;
      DROP TABLE event_consumer;
      DROP TABLE event_stream_head;
      DROP INDEX event_outbox_unsequenced_idx;
      DROP INDEX event_outbox_position_idx;
      ALTER TABLE event_outbox DROP COLUMN position;
    `);
  }
}
