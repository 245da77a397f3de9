import type { Client } from 'pg';
import { BENCH_REPOSITORIES } from '../repositories';

export const COST_PROJECT = 'library';
export const COST_REPOSITORY = BENCH_REPOSITORIES.costCurve;
/** configs and layers shared by the seeded images, as images built on common bases share them */
const POOL = 1_000;
/** rows per statement: bounds the memory one statement needs while keeping the statement count low */
const BATCH = 100_000;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** The manifest of seeded image `i`, as SQL over the pool's digests (c, l) and i: a real OCI manifest whose digest is its sha256. */
const MANIFEST_SQL = `convert_to(format('{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":{"mediaType":"${OCI_CONFIG}","digest":"%s","size":%s},"layers":[{"mediaType":"${OCI_LAYER}","digest":"%s","size":%s}],"annotations":{"dev.wharf.bench.seq":"%s"}}', c.digest, c.size, l.digest, l.size, i), 'UTF8')`;

/** The storage key of a blob, as libs/registry-core/src/storage-keys.ts lays them out. */
export const blobKey = (digest: string): string => {
  const hex = digest.slice('sha256:'.length);
  return `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
};

export interface PoolBlob {
  digest: string;
  data: Buffer;
}

/**
 * The repository and the shared config/layer pool (blob + project_blob rows); returns the pool's
 * bytes so the caller can write them to storage.
 */
export async function seedCostRepository(db: Client): Promise<{ projectId: number; repositoryId: number; pool: PoolBlob[] }> {
  const project = await db.query<{ project_id: number }>(`SELECT project_id FROM project WHERE name = $1`, [COST_PROJECT]);
  const projectId = project.rows[0]?.project_id;
  if (projectId === undefined) throw new Error(`project ${COST_PROJECT} does not exist in the bench database`);
  const repository = await db.query<{ repository_id: number }>(`INSERT INTO repository (project_id, name) VALUES ($1, $2) RETURNING repository_id`, [projectId, COST_REPOSITORY]);
  const pool = await db.query<{ digest: string; data: Buffer }>(
    `WITH content AS (
       SELECT convert_to(format('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"seq":%s}', k), 'UTF8') AS data, $2 AS content_type FROM generate_series(1, $1) k
       UNION ALL
       SELECT convert_to(repeat(md5(k::text), 16), 'UTF8'), NULL FROM generate_series(1, $1) k
     ), inserted AS (
       INSERT INTO blob (digest, content_type, size)
       SELECT 'sha256:' || encode(sha256(data), 'hex'), content_type, length(data) FROM content
       RETURNING id
     ), linked AS (
       INSERT INTO project_blob (project_id, blob_id) SELECT $3, id FROM inserted
     )
     SELECT 'sha256:' || encode(sha256(data), 'hex') AS digest, data FROM content`,
    [POOL, OCI_CONFIG, projectId],
  );
  // config k and layer k, by position, for the seeding statements
  await db.query(`CREATE TABLE IF NOT EXISTS bench_cost_pool (k int PRIMARY KEY, kind text NOT NULL, digest varchar(255) NOT NULL, size int NOT NULL)`);
  await db.query(
    `INSERT INTO bench_cost_pool (k, kind, digest, size)
     SELECT row_number() OVER () - 1, kind, digest, size FROM unnest($1::text[], $2::varchar[], $3::int[]) AS u(kind, digest, size)`,
    [pool.rows.map((_, i) => (i < POOL ? 'config' : 'layer')), pool.rows.map((r) => r.digest), pool.rows.map((r) => r.data.length)],
  );
  return { projectId, repositoryId: repository.rows[0].repository_id, pool: pool.rows };
}

/**
 * Seeds images `from`+1 .. `to` into the cost-curve repository, one statement per batch of
 * 100,000, writing what StoreManifestCommand.push writes for a pushed image: the manifest's blob
 * and project_blob rows, the artifact (its manifest bytes inline), its tag `v<i>`, and its
 * artifact_blob links (manifest, config, layer). Pushed one second apart, oldest first, a year
 * back, so the list order is the seed order reversed.
 */
export async function seedCostArtifacts(db: Client, ids: { projectId: number; repositoryId: number }, from: number, to: number): Promise<void> {
  for (let start = from + 1; start <= to; start += BATCH) {
    const end = Math.min(to, start + BATCH - 1);
    await db.query(
      `WITH src AS MATERIALIZED (
         SELECT i, m, 'sha256:' || encode(sha256(m), 'hex') AS digest, c.digest AS config, l.digest AS layer,
                now() - interval '400 days' + i * interval '1 second' AS pushed
           FROM generate_series($1::int, $2::int) i
           JOIN bench_cost_pool c ON c.k = i % ${POOL}
           JOIN bench_cost_pool l ON l.k = ${POOL} + (i * 7) % ${POOL},
           LATERAL (SELECT ${MANIFEST_SQL} AS m) manifest
       ), blobs AS (
         INSERT INTO blob (digest, content_type, size, creation_time, update_time)
         SELECT digest, '${OCI_MANIFEST}', length(m), pushed, pushed FROM src RETURNING id, creation_time
       ), project_blobs AS (
         INSERT INTO project_blob (project_id, blob_id, creation_time) SELECT $3, id, creation_time FROM blobs
       ), artifacts AS (
         INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, config_media_type, size, manifest, push_time)
         SELECT $3, $4, $5, digest, '${OCI_MANIFEST}', '${OCI_CONFIG}', length(m), m, pushed FROM src
         RETURNING id, push_time
       ), tags AS (
         INSERT INTO tag (repository_id, artifact_id, name, push_time)
         SELECT $4, a.id, 'v' || s.i, a.push_time FROM artifacts a JOIN src s ON s.pushed = a.push_time
       )
       INSERT INTO artifact_blob (digest_af, digest_blob, creation_time)
       SELECT digest, unnest(ARRAY[digest, config, layer]), pushed FROM src`,
      [start, end, ids.projectId, ids.repositoryId, COST_REPOSITORY],
    );
  }
  // the project's quota charged with what it now stores, as the push path charges it
  await db.query(
    `UPDATE project SET storage_used = (SELECT COALESCE(sum(b.size), 0) FROM project_blob pb JOIN blob b ON b.id = pb.blob_id WHERE pb.project_id = $1) WHERE project_id = $1`,
    [ids.projectId],
  );
}

/** The manifests of images `indexes` (their tags are `v<i>`), to write to storage and to HEAD. */
export async function seededManifests(db: Client, repositoryId: number, indexes: number[]): Promise<{ tag: string; digest: string; data: Buffer }[]> {
  const rows = await db.query<{ name: string; digest: string; manifest: Buffer }>(
    `SELECT t.name, a.digest, a.manifest FROM tag t JOIN artifact a ON a.id = t.artifact_id WHERE t.repository_id = $1 AND t.name = ANY($2::varchar[])`,
    [repositoryId, indexes.map((i) => `v${i}`)],
  );
  return rows.rows.map((r) => ({ tag: r.name, digest: r.digest, data: r.manifest }));
}
