import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Harbor's `scanner_registration` (its 1.10 schema, column for column): the scanners Wharf may
 * ask to scan (libs/scanners owns it). `access_cred` is sealed with the credential key
 * (libs/secrets). At most one registration is the default.
 */
export class ScannerRegistrations1765200100000 implements MigrationInterface {
  name = 'ScannerRegistrations1765200100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scanner_registration (
        id                SERIAL PRIMARY KEY,
        uuid              VARCHAR(64) NOT NULL UNIQUE,
        url               VARCHAR(256) NOT NULL UNIQUE,
        name              VARCHAR(128) NOT NULL UNIQUE,
        description       VARCHAR(1024),
        auth              VARCHAR(32) NOT NULL DEFAULT '',
        access_cred       VARCHAR(1024),
        disabled          BOOLEAN NOT NULL DEFAULT false,
        is_default        BOOLEAN NOT NULL DEFAULT false,
        use_internal_addr BOOLEAN NOT NULL DEFAULT false,
        immutable         BOOLEAN NOT NULL DEFAULT false,
        skip_cert_verify  BOOLEAN NOT NULL DEFAULT false,
        create_time       TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time       TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX scanner_registration_one_default_idx ON scanner_registration (is_default) WHERE is_default;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE scanner_registration');
  }
}
