import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scanner's vulnerability database (apps/scanner/src/vulnerabilities, AdvisoryStore owns it):
 * OSV advisories, the packages and version ranges each affects, looked up by (ecosystem, name),
 * and one row saying how fresh the data is. Only the scanner reads and writes these tables.
 */
export class ScannerAdvisories1765210000000 implements MigrationInterface {
  name = 'ScannerAdvisories1765210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE osv_advisory (
        id VARCHAR(255) PRIMARY KEY,
        modified TIMESTAMPTZ NOT NULL,
        published TIMESTAMPTZ,
        cve_ids TEXT[] NOT NULL DEFAULT '{}',
        aliases TEXT[] NOT NULL DEFAULT '{}',
        description TEXT NOT NULL DEFAULT '',
        links TEXT[] NOT NULL DEFAULT '{}',
        cwe_ids TEXT[] NOT NULL DEFAULT '{}',
        cvss_severity VARCHAR(16),
        cvss_v3_score DOUBLE PRECISION,
        cvss_v3_vector TEXT,
        cvss_v2_score DOUBLE PRECISION,
        cvss_v2_vector TEXT
      );
      CREATE TABLE osv_affected_package (
        advisory_id VARCHAR(255) NOT NULL REFERENCES osv_advisory (id) ON DELETE CASCADE,
        ecosystem VARCHAR(128) NOT NULL,
        name TEXT NOT NULL,
        ranges JSONB NOT NULL DEFAULT '[]',
        versions TEXT[] NOT NULL DEFAULT '{}',
        vendor_severity VARCHAR(16)
      );
      CREATE INDEX osv_affected_package_lookup_idx ON osv_affected_package (ecosystem, name);
      CREATE INDEX osv_affected_package_advisory_idx ON osv_affected_package (advisory_id);
      CREATE TABLE osv_database_state (
        id SMALLINT PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        data_updated_at TIMESTAMPTZ,
        imported_at TIMESTAMPTZ NOT NULL
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE osv_database_state; DROP TABLE osv_affected_package; DROP TABLE osv_advisory;`);
  }
}
