import { createHash, randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';
import { SEED_CONCURRENCY, type ObjectStore } from './object-store';

/** The data set of the issue: blobs nothing references, and tagged artifacts whose blobs must survive. */
export const UNREFERENCED_BLOBS = 100_000;
export const ARTIFACTS = 20_000;
const REPOSITORIES = 100;
/** artifacts share configs and layers, as images built on common bases do */
const CONFIG_POOL = 500;
const LAYER_POOL = 1_500;
const LAYERS_PER_ARTIFACT = 2;
/** manifests whose bytes are written to storage (all rows exist; the objects are only checked afterwards) */
const MANIFEST_OBJECTS = 1_000;
const ROW_BATCH = 5_000;
const PROJECT = 'library';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface SeededBlob {
  digest: string;
  key: string;
  /** its bytes were written to storage (false: row only, the seeding time budget ran out first) */
  hasObject: boolean;
}

export interface SeedResult {
  unreferenced: SeededBlob[];
  /** configs, layers and manifests of the seeded artifacts */
  referenced: SeededBlob[];
  artifacts: number;
  rowSeconds: number;
  objectSeconds: number;
  objectsWritten: number;
  /** storage writes per second while seeding */
  putsPerSecond: number;
}

interface Blob {
  digest: string;
  key: string;
  data: Buffer;
  hasObject: boolean;
}

/** docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data, as libs/registry-core/src/storage-keys.ts */
const keyOf = (hex: string): string => `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;

function blobOf(data: Buffer): Blob {
  const hex = createHash('sha256').update(data).digest('hex');
  return { digest: `sha256:${hex}`, key: keyOf(hex), data, hasObject: false };
}

/**
 * Writes the rows StoreManifestCommand.push and the blob upload path would have written (blob +
 * project_blob per blob; repository, artifact, tag and artifact_blob per manifest, the manifest
 * being a blob of its own), all touched two days ago, then the objects: the referenced ones the
 * check afterwards looks at, then unreferenced blobs in an order spread evenly over their ids
 * until `objectBudgetSeconds` is spent (RadosGW on a small machine takes ~250 PUT/s).
 */
export async function seedGcData(db: Client, store: ObjectStore, objectBudgetSeconds: number, log: (line: string) => void): Promise<SeedResult> {
  const rowsStarted = performance.now();
  const project = await db.query<{ project_id: number }>(`SELECT project_id FROM project WHERE name = $1`, [PROJECT]);
  const projectId = project.rows[0]?.project_id;
  if (projectId === undefined) throw new Error(`project ${PROJECT} does not exist in the bench database`);

  const unreferenced = Array.from({ length: UNREFERENCED_BLOBS }, () => blobOf(randomBytes(randomInt(100, 1001))));
  const configs = Array.from({ length: CONFIG_POOL }, (_, i) => blobOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seq: i, salt: randomBytes(8).toString('hex') }))));
  const layers = Array.from({ length: LAYER_POOL }, () => blobOf(randomBytes(randomInt(500, 1001))));
  const artifacts = Array.from({ length: ARTIFACTS }, (_, i) => {
    const config = configs[i % CONFIG_POOL];
    const used = Array.from({ length: LAYERS_PER_ARTIFACT }, (_, j) => layers[(i * LAYERS_PER_ARTIFACT + j * 7) % LAYER_POOL]);
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.data.length },
        layers: used.map((l) => ({ mediaType: OCI_LAYER, digest: l.digest, size: l.data.length })),
        annotations: { 'org.wharf.bench.seq': String(i) },
      }),
    );
    return { manifest: blobOf(body), repository: `${PROJECT}/gc-seed-${String(i % REPOSITORIES).padStart(3, '0')}`, blobs: [config, ...used] };
  });
  const manifests = artifacts.map((a) => a.manifest);

  const past = `now() - interval '2 days'`;
  const insertBlobs = async (blobs: Blob[], contentType: string | null) => {
    for (let i = 0; i < blobs.length; i += ROW_BATCH) {
      const batch = blobs.slice(i, i + ROW_BATCH);
      await db.query(
        `WITH inserted AS (
           INSERT INTO blob (digest, size, content_type, creation_time, update_time)
           SELECT d, s, $3, ${past}, ${past} FROM unnest($1::varchar[], $2::bigint[]) AS u(d, s)
           RETURNING id
         )
         INSERT INTO project_blob (project_id, blob_id, creation_time) SELECT $4, id, ${past} FROM inserted`,
        [batch.map((b) => b.digest), batch.map((b) => b.data.length), contentType, projectId],
      );
    }
  };
  await db.query('BEGIN');
  try {
    await insertBlobs(unreferenced, null);
    await insertBlobs([...configs, ...layers], null);
    await insertBlobs(manifests, OCI_MANIFEST);
    const repositoryNames = [...new Set(artifacts.map((a) => a.repository))];
    const repositories = await db.query<{ repository_id: number; name: string }>(
      `INSERT INTO repository (project_id, name, creation_time, update_time) SELECT $1, unnest($2::varchar[]), ${past}, ${past} RETURNING repository_id, name`,
      [projectId, repositoryNames],
    );
    const repositoryIds = new Map(repositories.rows.map((r) => [r.name, r.repository_id]));
    for (let i = 0; i < artifacts.length; i += ROW_BATCH) {
      const batch = artifacts.slice(i, i + ROW_BATCH);
      await db.query(
        `WITH inserted AS (
           INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, config_media_type, size, manifest, push_time)
           SELECT $1, r, rn, d, $2, $3, s, convert_to(m, 'UTF8'), ${past}
             FROM unnest($4::int[], $5::varchar[], $6::varchar[], $7::bigint[], $8::text[]) AS u(r, rn, d, s, m)
           RETURNING id, repository_id
         )
         INSERT INTO tag (repository_id, artifact_id, name, push_time) SELECT repository_id, id, 'seed-' || id, ${past} FROM inserted`,
        [
          projectId,
          OCI_MANIFEST,
          OCI_CONFIG,
          batch.map((a) => repositoryIds.get(a.repository)),
          batch.map((a) => a.repository),
          batch.map((a) => a.manifest.digest),
          batch.map((a) => a.manifest.data.length),
          batch.map((a) => a.manifest.data.toString('utf8')),
        ],
      );
      const links = batch.flatMap((a) => [a.manifest, ...a.blobs].map((b) => [a.manifest.digest, b.digest] as const));
      await db.query(`INSERT INTO artifact_blob (digest_af, digest_blob, creation_time) SELECT af, b, ${past} FROM unnest($1::varchar[], $2::varchar[]) AS u(af, b)`, [
        links.map((l) => l[0]),
        links.map((l) => l[1]),
      ]);
    }
    const charged = [...unreferenced, ...configs, ...layers, ...manifests].reduce((sum, b) => sum + b.data.length, 0);
    await db.query(`UPDATE project SET storage_used = storage_used + $2 WHERE project_id = $1`, [projectId, charged]);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
  // a registry that has lived with this data has statistics on it
  await db.query(`ANALYZE blob, project_blob, artifact, artifact_blob, tag, repository`);
  const rowSeconds = (performance.now() - rowsStarted) / 1000;
  log(`seeded rows: ${UNREFERENCED_BLOBS} unreferenced blobs, ${ARTIFACTS} artifacts in ${REPOSITORIES} repositories (${rowSeconds.toFixed(1)} s)`);

  // objects: referenced first (verified afterwards), then unreferenced in a stride order (7919 is prime)
  const stride = Array.from({ length: UNREFERENCED_BLOBS }, (_, i) => unreferenced[(i * 7919) % UNREFERENCED_BLOBS]);
  const queue = [...configs, ...layers, ...manifests.slice(0, MANIFEST_OBJECTS), ...stride];
  const objectsStarted = performance.now();
  const deadline = objectsStarted + objectBudgetSeconds * 1000;
  let next = 0;
  let written = 0;
  let lastLog = objectsStarted;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      while (next < queue.length && performance.now() < deadline) {
        const blob = queue[next++];
        await store.put(blob.key, blob.data);
        blob.hasObject = true;
        written += 1;
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          log(`  ${written} of ${queue.length} objects written (${(written / ((lastLog - objectsStarted) / 1000)).toFixed(0)}/s)`);
        }
      }
    }),
  );
  const objectSeconds = (performance.now() - objectsStarted) / 1000;
  const putsPerSecond = written / objectSeconds;
  const unreferencedObjects = unreferenced.filter((b) => b.hasObject).length;
  log(`seeded objects: ${written} in ${objectSeconds.toFixed(1)} s (${putsPerSecond.toFixed(0)}/s); ${unreferencedObjects} of ${UNREFERENCED_BLOBS} unreferenced blobs have one`);

  const plain = (b: Blob): SeededBlob => ({ digest: b.digest, key: b.key, hasObject: b.hasObject });
  return {
    unreferenced: unreferenced.map(plain),
    referenced: [...configs, ...layers, ...manifests].map(plain),
    artifacts: ARTIFACTS,
    rowSeconds,
    objectSeconds,
    objectsWritten: written,
    putsPerSecond,
  };
}
