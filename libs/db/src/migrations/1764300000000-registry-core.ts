import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The registry's ground truth, modelled on Harbor's tables: projects (with the `library`
 * project every registry starts with), repositories, artifacts, tags, index -> child references,
 * blobs with the status/version columns non-blocking GC compares-and-sets on, the links that GC
 * and quotas read (artifact_blob, project_blob), and resumable upload sessions.
 */
export class RegistryCore1764300000000 implements MigrationInterface {
  name = 'RegistryCore1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE project (
        project_id    SERIAL PRIMARY KEY,
        name          VARCHAR(255) NOT NULL UNIQUE,
        owner_id      INTEGER,
        registry_id   INTEGER,
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE TABLE project_metadata (
        id            SERIAL PRIMARY KEY,
        project_id    INTEGER NOT NULL REFERENCES project(project_id) ON DELETE CASCADE,
        name          VARCHAR(255) NOT NULL,
        value         VARCHAR(255),
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (project_id, name)
      );
      INSERT INTO project (name) VALUES ('library');
      INSERT INTO project_metadata (project_id, name, value)
        SELECT project_id, 'public', 'true' FROM project WHERE name = 'library';

      CREATE TABLE repository (
        repository_id SERIAL PRIMARY KEY,
        project_id    INTEGER NOT NULL REFERENCES project(project_id),
        name          VARCHAR(255) NOT NULL UNIQUE,
        description   TEXT,
        pull_count    BIGINT NOT NULL DEFAULT 0,
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX repository_project_idx ON repository (project_id);

      CREATE TABLE artifact (
        id              BIGSERIAL PRIMARY KEY,
        project_id      INTEGER NOT NULL REFERENCES project(project_id),
        repository_id   INTEGER NOT NULL REFERENCES repository(repository_id) ON DELETE CASCADE,
        repository_name VARCHAR(255) NOT NULL,
        digest          VARCHAR(255) NOT NULL,
        media_type      VARCHAR(255) NOT NULL,
        artifact_type   VARCHAR(255),
        config_media_type VARCHAR(255),
        subject_digest  VARCHAR(255),
        size            BIGINT NOT NULL,
        manifest        BYTEA NOT NULL,
        annotations     JSONB,
        push_time       TIMESTAMPTZ NOT NULL DEFAULT now(),
        pull_time       TIMESTAMPTZ,
        UNIQUE (repository_id, digest)
      );
      CREATE INDEX artifact_digest_idx ON artifact (digest);
      CREATE INDEX artifact_subject_idx ON artifact (repository_id, subject_digest) WHERE subject_digest IS NOT NULL;

      CREATE TABLE tag (
        id            BIGSERIAL PRIMARY KEY,
        repository_id INTEGER NOT NULL REFERENCES repository(repository_id) ON DELETE CASCADE,
        artifact_id   BIGINT NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,
        name          VARCHAR(255) NOT NULL,
        push_time     TIMESTAMPTZ NOT NULL DEFAULT now(),
        pull_time     TIMESTAMPTZ,
        UNIQUE (repository_id, name)
      );
      CREATE INDEX tag_artifact_idx ON tag (artifact_id);

      -- an index or manifest list and the manifests it names; a child cannot go while referenced
      CREATE TABLE artifact_reference (
        id           BIGSERIAL PRIMARY KEY,
        parent_id    BIGINT NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,
        child_id     BIGINT NOT NULL REFERENCES artifact(id) ON DELETE RESTRICT,
        child_digest VARCHAR(255) NOT NULL,
        platform     JSONB,
        annotations  JSONB,
        UNIQUE (parent_id, child_id)
      );
      CREATE INDEX artifact_reference_child_idx ON artifact_reference (child_id);

      -- status: none -> delete -> deleting -> (removed) | deletefailed, moved by compare-and-set on version
      CREATE TABLE blob (
        id            BIGSERIAL PRIMARY KEY,
        digest        VARCHAR(255) NOT NULL UNIQUE,
        content_type  VARCHAR(1024),
        size          BIGINT NOT NULL,
        status        VARCHAR(20) NOT NULL DEFAULT 'none',
        version       BIGINT NOT NULL DEFAULT 0,
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time   TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX blob_status_update_idx ON blob (status, update_time);

      -- every blob an artifact needs, its own manifest included (keyed by digests as Harbor does)
      CREATE TABLE artifact_blob (
        id            BIGSERIAL PRIMARY KEY,
        digest_af     VARCHAR(255) NOT NULL,
        digest_blob   VARCHAR(255) NOT NULL,
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (digest_af, digest_blob)
      );
      CREATE INDEX artifact_blob_blob_idx ON artifact_blob (digest_blob);

      -- which projects may serve a blob (access and quota)
      CREATE TABLE project_blob (
        id            BIGSERIAL PRIMARY KEY,
        project_id    INTEGER NOT NULL REFERENCES project(project_id) ON DELETE CASCADE,
        blob_id       BIGINT NOT NULL REFERENCES blob(id) ON DELETE CASCADE,
        creation_time TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (project_id, blob_id)
      );
      CREATE INDEX project_blob_blob_idx ON project_blob (blob_id);

      -- lets any api replica continue, finish or cancel an upload, and the worker purge it
      CREATE TABLE upload_session (
        id              UUID PRIMARY KEY,
        project_id      INTEGER NOT NULL REFERENCES project(project_id) ON DELETE CASCADE,
        repository_name VARCHAR(255) NOT NULL,
        storage_key     VARCHAR(1024) NOT NULL,
        storage_state   JSONB NOT NULL,
        size            BIGINT NOT NULL DEFAULT 0,
        version         INTEGER NOT NULL DEFAULT 0,
        busy_until      TIMESTAMPTZ,
        creation_time   TIMESTAMPTZ NOT NULL DEFAULT now(),
        update_time     TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX upload_session_update_idx ON upload_session (update_time);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE upload_session; DROP TABLE project_blob; DROP TABLE artifact_blob; DROP TABLE blob;
      DROP TABLE artifact_reference; DROP TABLE tag; DROP TABLE artifact; DROP TABLE repository;
      DROP TABLE project_metadata; DROP TABLE project;
    `);
  }
}
