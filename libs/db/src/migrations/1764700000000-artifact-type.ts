import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Harbor's artifact `type` (IMAGE, CHART, CNAB, SIF, WASM, MODEL, a vendor-derived name, UNKNOWN),
 * decided on push by libs/artifacts/src/artifact-type.ts. `artifact_type` keeps what the referrers
 * API reports (the OCI artifactType, else the config media type). Existing rows are back-filled
 * with the same rules, written in SQL: artifactType, then the config media type, then an index's
 * `org.opencontainers.artifactType` annotation; an index otherwise is an image; then a name derived
 * from `application/vnd.<vendor>.<name>.config.<version>+json`.
 */
export class ArtifactType1764700000000 implements MigrationInterface {
  name = 'ArtifactType1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE artifact ADD COLUMN type VARCHAR(64) NOT NULL DEFAULT 'UNKNOWN';
      CREATE FUNCTION pg_temp.known_artifact_type(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE
          WHEN t IS NULL THEN NULL
          WHEN lower(t) IN ('application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json') THEN 'IMAGE'
          WHEN lower(t) = 'application/vnd.cncf.helm.config.v1+json' THEN 'CHART'
          WHEN lower(t) IN ('application/vnd.cnab.manifest.v1', 'application/vnd.cnab.config.v1+json') THEN 'CNAB'
          WHEN lower(t) = 'application/vnd.sylabs.sif.config.v1+json' THEN 'SIF'
          WHEN lower(t) IN ('application/vnd.wasm.config.v1+json', 'application/vnd.module.wasm.config.v1+json') THEN 'WASM'
          WHEN lower(t) ~ '^application/vnd\\.[a-z0-9-]+\\.model\\.(config|manifest)\\.[a-z0-9]+\\+json$' THEN 'MODEL'
        END
      $$;
      CREATE FUNCTION pg_temp.derived_artifact_type(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT upper(substring(lower(t) from '^application/vnd\\.[a-z0-9-]+\\.([a-z0-9-]+)\\.config\\.[a-z0-9]+\\+json$'))
      $$;
      UPDATE artifact a SET type = COALESCE(
        pg_temp.known_artifact_type(s.explicit), pg_temp.known_artifact_type(a.config_media_type), pg_temp.known_artifact_type(s.annotated),
        CASE WHEN s.is_index THEN 'IMAGE' END,
        pg_temp.derived_artifact_type(s.explicit), pg_temp.derived_artifact_type(a.config_media_type), pg_temp.derived_artifact_type(s.annotated),
        'UNKNOWN')
      FROM (
        SELECT id,
               a2.media_type IN ('application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json') AS is_index,
               NULLIF(a2.artifact_type, a2.config_media_type) AS explicit,
               CASE WHEN a2.media_type IN ('application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json')
                    THEN a2.annotations->>'org.opencontainers.artifactType' END AS annotated
          FROM artifact a2
      ) s
      WHERE s.id = a.id;
      CREATE INDEX artifact_repository_type_idx ON artifact (repository_id, type);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX artifact_repository_type_idx; ALTER TABLE artifact DROP COLUMN type;`);
  }
}
