import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every job's visible record (Harbor's execution/task model): an execution per run (GC,
 * replication, scan, preheat, retention), with tasks for its units of work. Status moves by
 * compare-and-set on a revision column, so a late or duplicated worker update never
 * overwrites a newer state; a task's log lines are kept in Postgres for the API to return.
 */
export class Executions1764500000000 implements MigrationInterface {
  name = 'Executions1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE execution (
        id             BIGSERIAL PRIMARY KEY,
        vendor_type    VARCHAR(32) NOT NULL,
        vendor_id      BIGINT,
        status         VARCHAR(16) NOT NULL DEFAULT 'Pending',
        status_message TEXT NOT NULL DEFAULT '',
        trigger        VARCHAR(16) NOT NULL DEFAULT 'MANUAL',
        extra_attrs    JSONB NOT NULL DEFAULT '{}',
        stop_requested BOOLEAN NOT NULL DEFAULT false,
        revision       BIGINT NOT NULL DEFAULT 0,
        start_time     TIMESTAMPTZ NOT NULL DEFAULT now(),
        end_time       TIMESTAMPTZ,
        update_time    TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX execution_vendor_idx ON execution (vendor_type, vendor_id, start_time DESC);

      CREATE TABLE task (
        id              BIGSERIAL PRIMARY KEY,
        execution_id    BIGINT NOT NULL REFERENCES execution(id) ON DELETE CASCADE,
        job_id          VARCHAR(64),
        status          VARCHAR(16) NOT NULL DEFAULT 'Pending',
        status_message  TEXT NOT NULL DEFAULT '',
        status_revision BIGINT NOT NULL DEFAULT 0,
        run_count       INTEGER NOT NULL DEFAULT 0,
        progress        JSONB NOT NULL DEFAULT '{}',
        extra_attrs     JSONB NOT NULL DEFAULT '{}',
        creation_time   TIMESTAMPTZ NOT NULL DEFAULT now(),
        start_time      TIMESTAMPTZ,
        update_time     TIMESTAMPTZ NOT NULL DEFAULT now(),
        end_time        TIMESTAMPTZ
      );
      CREATE INDEX task_execution_idx ON task (execution_id);
      CREATE INDEX task_running_idx ON task (status, update_time) WHERE status = 'Running';

      CREATE TABLE task_log (
        id       BIGSERIAL PRIMARY KEY,
        task_id  BIGINT NOT NULL REFERENCES task(id) ON DELETE CASCADE,
        log_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        line     TEXT NOT NULL
      );
      CREATE INDEX task_log_task_idx ON task_log (task_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE task_log; DROP TABLE task; DROP TABLE execution;`);
  }
}
