import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P2P preheat (Harbor's p2p_preheat_instance and p2p_preheat_policy). An instance's auth_info is
 * stored sealed (one sealed JSON object), never in clear. A policy points at its instance by
 * `provider_id`; the foreign key keeps an instance in use from being deleted. Filters, trigger
 * and extra attributes are kept as the JSON strings Harbor's API exchanges.
 */
export class P2pPreheat1765250000000 implements MigrationInterface {
  name = 'P2pPreheat1765250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE p2p_preheat_instance (
        id               SERIAL PRIMARY KEY,
        name             VARCHAR(255) NOT NULL UNIQUE,
        description      TEXT NOT NULL DEFAULT '',
        vendor           VARCHAR(32) NOT NULL,
        api_version      VARCHAR(16) NOT NULL DEFAULT '',
        endpoint         VARCHAR(2048) NOT NULL,
        auth_mode        VARCHAR(16) NOT NULL DEFAULT 'NONE',
        auth_info_sealed TEXT,
        enabled          BOOLEAN NOT NULL DEFAULT true,
        is_default       BOOLEAN NOT NULL DEFAULT false,
        insecure         BOOLEAN NOT NULL DEFAULT false,
        status           VARCHAR(16) NOT NULL DEFAULT 'Unknown',
        status_message   TEXT NOT NULL DEFAULT '',
        last_checked     TIMESTAMPTZ,
        creation_time    TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time      TIMESTAMPTZ NOT NULL DEFAULT now(),
        CHECK (vendor IN ('dragonfly', 'kraken')),
        CHECK (auth_mode IN ('NONE', 'BASIC', 'OAUTH', 'CUSTOM')),
        CHECK (status IN ('Healthy', 'Unhealthy', 'Unknown'))
      );
      -- at most one default instance
      CREATE UNIQUE INDEX p2p_preheat_instance_default_idx ON p2p_preheat_instance (is_default) WHERE is_default;

      CREATE TABLE p2p_preheat_policy (
        id            SERIAL PRIMARY KEY,
        name          VARCHAR(255) NOT NULL,
        description   TEXT NOT NULL DEFAULT '',
        project_id    INTEGER NOT NULL REFERENCES project(project_id) ON DELETE CASCADE,
        provider_id   INTEGER NOT NULL REFERENCES p2p_preheat_instance(id) ON DELETE RESTRICT,
        filters       TEXT NOT NULL DEFAULT '[]',
        trigger       TEXT NOT NULL DEFAULT '{"type":"manual"}',
        enabled       BOOLEAN NOT NULL DEFAULT true,
        extra_attrs   TEXT NOT NULL DEFAULT '{}',
        creator       VARCHAR(255) NOT NULL DEFAULT '',
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (project_id, name)
      );
      CREATE INDEX p2p_preheat_policy_provider_idx ON p2p_preheat_policy (provider_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE p2p_preheat_policy; DROP TABLE p2p_preheat_instance;`);
  }
}
