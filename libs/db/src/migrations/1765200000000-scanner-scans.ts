import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scanner process's own table (apps/scanner): one row per scan request it accepted, what it
 * was asked (the request without its registry authorization, which only the queued job carries),
 * where it stands, and its reports once done. Rows go after SCANNER_REPORT_TTL_HOURS.
 */
export class ScannerScans1765200000000 implements MigrationInterface {
  name = 'ScannerScans1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scanner_scan (
        id                   UUID PRIMARY KEY,
        request              JSONB NOT NULL,
        status               VARCHAR(16) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'finished', 'failed')),
        vulnerability_report JSONB,
        sbom_reports         JSONB,
        error                TEXT,
        create_time          TIMESTAMPTZ NOT NULL DEFAULT now(),
        start_time           TIMESTAMPTZ,
        end_time             TIMESTAMPTZ,
        update_time          TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX scanner_scan_create_time_idx ON scanner_scan (create_time);
      CREATE INDEX scanner_scan_open_idx ON scanner_scan (update_time) WHERE status IN ('queued', 'running');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE scanner_scan');
  }
}
