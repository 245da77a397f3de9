import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity and access: users (Harbor's `harbor_user`; `user` is reserved in SQL), robot
 * accounts with per-project permissions, project members with Harbor's role ids, the token
 * signing keys shared by every api replica, system settings (the default project quota), the
 * audit log, and each project's storage quota (limit and exact usage, kept with project_blob).
 */
export class IdentityAccess1764400000000 implements MigrationInterface {
  name = 'IdentityAccess1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE harbor_user (
        user_id       SERIAL PRIMARY KEY,
        username      VARCHAR(255) NOT NULL UNIQUE,
        email         VARCHAR(255) UNIQUE,
        realname      VARCHAR(255) NOT NULL DEFAULT '',
        comment       VARCHAR(1024) NOT NULL DEFAULT '',
        password_hash VARCHAR(255) NOT NULL,
        sysadmin_flag BOOLEAN NOT NULL DEFAULT false,
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now()
      );

      -- name is the full login name: robot$<name> (system) or robot$<project>+<name> (project)
      CREATE TABLE robot (
        id            SERIAL PRIMARY KEY,
        name          VARCHAR(255) NOT NULL UNIQUE,
        description   VARCHAR(1024) NOT NULL DEFAULT '',
        level         VARCHAR(10) NOT NULL CHECK (level IN ('system', 'project')),
        project_id    INTEGER REFERENCES project(project_id) ON DELETE CASCADE,
        secret_hash   VARCHAR(255) NOT NULL,
        disabled      BOOLEAN NOT NULL DEFAULT false,
        duration      INTEGER NOT NULL DEFAULT -1,
        expires_at    TIMESTAMPTZ,
        creator_ref   VARCHAR(255) NOT NULL DEFAULT '',
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX robot_project_idx ON robot (project_id);

      -- one row per namespace a robot may act in ('*' = every project); access: [{resource, action}]
      CREATE TABLE robot_permission (
        id        SERIAL PRIMARY KEY,
        robot_id  INTEGER NOT NULL REFERENCES robot(id) ON DELETE CASCADE,
        kind      VARCHAR(20) NOT NULL DEFAULT 'project',
        namespace VARCHAR(255) NOT NULL,
        access    JSONB NOT NULL
      );
      CREATE INDEX robot_permission_robot_idx ON robot_permission (robot_id);

      -- role: 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest (Harbor's ids)
      CREATE TABLE project_member (
        id            SERIAL PRIMARY KEY,
        project_id    INTEGER NOT NULL REFERENCES project(project_id) ON DELETE CASCADE,
        entity_id     INTEGER NOT NULL REFERENCES harbor_user(user_id) ON DELETE CASCADE,
        entity_type   CHAR(1) NOT NULL DEFAULT 'u',
        role          INTEGER NOT NULL CHECK (role BETWEEN 1 AND 5),
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (project_id, entity_id, entity_type)
      );
      CREATE INDEX project_member_entity_idx ON project_member (entity_id, entity_type);

      ALTER TABLE project
        ADD COLUMN storage_limit BIGINT NOT NULL DEFAULT -1,
        ADD COLUMN storage_used  BIGINT NOT NULL DEFAULT 0,
        ADD CONSTRAINT project_owner_fk FOREIGN KEY (owner_id) REFERENCES harbor_user(user_id) ON DELETE SET NULL;
      -- usage so far (registry-core pushes before this migration were never counted)
      UPDATE project p SET storage_used = COALESCE((
        SELECT sum(b.size) FROM project_blob pb JOIN blob b ON b.id = pb.blob_id WHERE pb.project_id = p.project_id), 0);

      -- RS256 keys for docker tokens; the newest signs, every kept one verifies (rotation)
      CREATE TABLE token_signing_key (
        id            SERIAL PRIMARY KEY,
        kid           VARCHAR(64) NOT NULL UNIQUE,
        private_key   TEXT NOT NULL,
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now()
      );

      CREATE TABLE system_setting (
        name        VARCHAR(255) PRIMARY KEY,
        value       JSONB NOT NULL,
        update_time TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      INSERT INTO system_setting (name, value) VALUES ('storage_per_project', '-1');

      -- project_id is not a foreign key: the log outlives what it records
      CREATE TABLE audit_log (
        id            BIGSERIAL PRIMARY KEY,
        project_id    INTEGER,
        operation     VARCHAR(32) NOT NULL,
        resource_type VARCHAR(64) NOT NULL,
        resource      VARCHAR(1024) NOT NULL,
        username      VARCHAR(255) NOT NULL,
        client_ip     VARCHAR(64),
        user_agent    VARCHAR(512),
        op_time       TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX audit_log_time_idx ON audit_log (op_time DESC, id DESC);
      CREATE INDEX audit_log_project_time_idx ON audit_log (project_id, op_time DESC, id DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE audit_log; DROP TABLE system_setting; DROP TABLE token_signing_key;
      ALTER TABLE project DROP CONSTRAINT project_owner_fk, DROP COLUMN storage_used, DROP COLUMN storage_limit;
      DROP TABLE project_member; DROP TABLE robot_permission; DROP TABLE robot; DROP TABLE harbor_user;
    `);
  }
}
