import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cron schedules (GC now; scan-all, retention and replication later): the source of truth for
 * every BullMQ job scheduler, which the worker re-creates from here at start, so a flushed Redis
 * loses no schedule. One row per (vendor_type, vendor_id), a null vendor_id (a system-wide
 * schedule such as GC) counting as one value. `job_name`/`job_data` are what the scheduler
 * queues at each tick; `parameters` are the API's view of them (Harbor's field names).
 */
export class Schedules1764600000000 implements MigrationInterface {
  name = 'Schedules1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schedule (
        id            BIGSERIAL PRIMARY KEY,
        vendor_type   VARCHAR(32) NOT NULL,
        vendor_id     BIGINT,
        type          VARCHAR(16) NOT NULL CHECK (type IN ('Hourly', 'Daily', 'Weekly', 'Custom')),
        cron          VARCHAR(255) NOT NULL,
        parameters    JSONB NOT NULL DEFAULT '{}',
        job_name      VARCHAR(64) NOT NULL,
        job_data      JSONB NOT NULL DEFAULT '{}',
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX schedule_vendor_idx ON schedule (vendor_type, (COALESCE(vendor_id, 0)));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE schedule;`);
  }
}
