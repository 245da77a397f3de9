import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Vulnerability and SBOM reports (Harbor's scan_report), one row per artifact digest, scanner
 * registration and report mime type: a digest pushed to several repositories is scanned once.
 * The row keeps the last successful report in force (`report`, `severity`, `summary`) while a
 * rescan runs (`scan_status`, `execution_id`, `task_id`): a policy never falls back to
 * "not scanned" because a rescan started.
 */
export class ScanReports1765280000000 implements MigrationInterface {
  name = 'ScanReports1765280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scan_report (
        id                BIGSERIAL PRIMARY KEY,
        uuid              UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        digest            VARCHAR(255) NOT NULL,
        registration_uuid UUID NOT NULL,
        mime_type         VARCHAR(255) NOT NULL,
        -- the run in progress or last run: Pending, Running, Success, Error, Stopped
        scan_status       VARCHAR(16) NOT NULL DEFAULT 'Pending',
        status_message    TEXT NOT NULL DEFAULT '',
        execution_id      BIGINT,
        task_id           BIGINT,
        start_time        TIMESTAMPTZ,
        end_time          TIMESTAMPTZ,
        -- the last successful report, kept in force while a rescan runs
        report            JSONB,
        -- highest severity of the report (None, Unknown, Low, Medium, High, Critical), null before a first success
        severity          VARCHAR(16),
        -- {"total", "fixable", "summary": {"Critical": n, ...}} of the report
        summary           JSONB,
        -- the scanner and its database as the report names them ({"name", "vendor", "version"})
        scanner           JSONB,
        database_updated_at TIMESTAMPTZ,
        report_time       TIMESTAMPTZ,
        UNIQUE (digest, registration_uuid, mime_type)
      );
      CREATE INDEX scan_report_digest ON scan_report (digest);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE scan_report;`);
  }
}
