import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the last metadata call of a scanner registration said: its health (Harbor's `health`,
 * healthy | unhealthy), when it was checked, and the adapter's own name, vendor and version.
 */
export class ScannerRegistrationHealth1765281000000 implements MigrationInterface {
  name = 'ScannerRegistrationHealth1765281000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE scanner_registration
        ADD COLUMN health VARCHAR(16) NOT NULL DEFAULT 'unknown',
        ADD COLUMN health_message VARCHAR(1024),
        ADD COLUMN last_checked TIMESTAMPTZ,
        ADD COLUMN adapter VARCHAR(128),
        ADD COLUMN vendor VARCHAR(128),
        ADD COLUMN version VARCHAR(64)
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scanner_registration DROP COLUMN health, DROP COLUMN health_message, DROP COLUMN last_checked, DROP COLUMN adapter, DROP COLUMN vendor, DROP COLUMN version`);
  }
}
