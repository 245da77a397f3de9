import type { SqlExecutor } from '@wharf/db';
import { InvalidError } from '@wharf/errors';
import { INDEX_MANIFEST_TYPES, parseManifest, type ParsedManifest } from '@wharf/registry-core';
import { detectArtifactType } from './artifact-type';

/**
 * The rows a stored manifest becomes (repository, artifact, index -> child references), written
 * inside the caller's transaction. Shared by client pushes, the proxy cache, which stores what
 * an upstream sent, and copies. Tags are TagWriter's alone.
 */

export async function upsertRepository(tx: SqlExecutor, projectId: number, name: string): Promise<number> {
  const rows = await tx.query<{ id: number }>(
    `INSERT INTO repository (project_id, name) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET update_time = now() RETURNING repository_id AS id`,
    [projectId, name],
  );
  return rows[0].id;
}

/**
 * The repository a push writes into, created when missing, its row held FOR KEY SHARE: a
 * concurrent delete of the repository waits for the push, while other pushes into it go on side
 * by side (`upsertRepository`'s update of `update_time` would hold the row exclusively until the
 * commit and serialise them). Such a write refreshes `update_time` with `markRepositoryPushed`, after its commit (a client push
 * does both inside `wharf_manifest_push`, migration 1765321000000).
 */
export async function repositoryForPush(tx: SqlExecutor, projectId: number, name: string): Promise<number> {
  for (;;) {
    const rows = await tx.query<{ id: number }>(
      `WITH found AS (
         SELECT repository_id FROM repository WHERE name = $2 FOR KEY SHARE
       ), created AS (
         INSERT INTO repository (project_id, name) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM found)
         ON CONFLICT (name) DO NOTHING RETURNING repository_id
       )
       SELECT repository_id AS id FROM found UNION ALL SELECT repository_id FROM created`,
      [projectId, name],
    );
    // none: another push created it after this statement's snapshot; the next one finds it
    if (rows[0]) return rows[0].id;
  }
}

/**
 * A push's update of the repository's push time, after its transaction (see `repositoryForPush`):
 * on its own, with synchronous_commit off, it holds the row for a moment instead of until a WAL
 * flush. A crash right after a push can leave the time a push behind.
 */
export async function markRepositoryPushed(db: SqlExecutor, repositoryId: number): Promise<void> {
  await db.query(
    `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
     UPDATE repository SET update_time = now() FROM relaxed WHERE repository_id = $1`,
    [repositoryId],
  );
}

/** `upsertArtifact` and `linkArtifactBlobs` in one statement. */
export async function writeArtifact(
  tx: SqlExecutor, projectId: number, repositoryId: number, repositoryName: string, digest: string, parsed: ParsedManifest, body: Buffer,
): Promise<number> {
  const rows = await tx.query<{ id: number }>(
    `WITH blobs AS (
       INSERT INTO artifact_blob (digest_af, digest_blob) SELECT $4, unnest($13::varchar[]) ON CONFLICT DO NOTHING
     )
     ${ARTIFACT_UPSERT} RETURNING id`,
    [...artifactValues(projectId, repositoryId, repositoryName, digest, parsed, body), [digest, ...parsed.blobs.map((b) => b.digest)]],
  );
  return rows[0].id;
}

export async function upsertArtifact(
  tx: SqlExecutor, projectId: number, repositoryId: number, repositoryName: string, digest: string, parsed: ParsedManifest, body: Buffer,
): Promise<number> {
  const rows = await tx.query<{ id: number }>(`${ARTIFACT_UPSERT} RETURNING id`, artifactValues(projectId, repositoryId, repositoryName, digest, parsed, body));
  return rows[0].id;
}

const ARTIFACT_UPSERT = `INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, artifact_type, config_media_type,
                           subject_digest, size, manifest, annotations, type)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (repository_id, digest) DO UPDATE SET push_time = now()`;

export function artifactValues(projectId: number, repositoryId: number, repositoryName: string, digest: string, parsed: ParsedManifest, body: Buffer): unknown[] {
  return [
    projectId, repositoryId, repositoryName, digest, parsed.mediaType, parsed.artifactType ?? null, parsed.config?.mediaType ?? null,
    parsed.subject?.digest ?? null, body.length, body, parsed.annotations ? JSON.stringify(parsed.annotations) : null, typeOf(parsed),
  ];
}

/** Every blob the artifact needs, its own manifest included (keyed by digests, as GC and quota read them). */
export async function linkArtifactBlobs(tx: SqlExecutor, digest: string, parsed: ParsedManifest): Promise<void> {
  await tx.query(`INSERT INTO artifact_blob (digest_af, digest_blob) SELECT $1, unnest($2::varchar[]) ON CONFLICT DO NOTHING`, [
    digest,
    [digest, ...parsed.blobs.map((b) => b.digest)],
  ]);
}

/**
 * Index -> child rows. `all`: every child must already be in the repository (a client push
 * pushes children first). `present`: links those that are; the proxy cache stores an index
 * before its children, which `linkToParents` links when they arrive.
 */
export async function linkChildren(tx: SqlExecutor, repositoryId: number, parentId: number, parsed: ParsedManifest, require: 'all' | 'present'): Promise<void> {
  if (parsed.manifests.length === 0) return;
  const digests = [...new Set(parsed.manifests.map((m) => m.digest))];
  // a concurrent delete of a child waits for this push, then sees the reference. NO KEY UPDATE, in
  // id order: the lock the listed count's trigger takes on the children it recounts (migration
  // 1765320000000), taken here first so two index pushes sharing children never both hold a
  // weaker one and upgrade it (a deadlock); they take turns instead
  const children = await tx.query<{ id: number; digest: string }>(
    `SELECT id, digest FROM artifact WHERE repository_id = $1 AND digest = ANY($2) ORDER BY id FOR NO KEY UPDATE`,
    [repositoryId, digests],
  );
  const ids = new Map(children.map((c) => [c.digest, c.id]));
  const missing = digests.find((d) => !ids.has(d));
  if (missing && require === 'all') throw new InvalidError('manifest-reference', 'manifest references a manifest unknown to this repository', { details: { digest: missing } });
  const linked = parsed.manifests.filter((child) => ids.has(child.digest));
  if (linked.length === 0) return;
  // one statement (one round trip, and one recount of the children by the listed count's trigger)
  await tx.query(
    `INSERT INTO artifact_reference (parent_id, child_id, child_digest, platform, annotations)
     SELECT $1, c.child_id, c.child_digest, c.platform::jsonb, c.annotations::jsonb
       FROM unnest($2::bigint[], $3::varchar[], $4::text[], $5::text[]) WITH ORDINALITY AS c(child_id, child_digest, platform, annotations, n)
      ORDER BY c.n
     ON CONFLICT (parent_id, child_id) DO NOTHING`,
    [
      parentId,
      linked.map((child) => ids.get(child.digest)),
      linked.map((child) => child.digest),
      linked.map((child) => (child.platform ? JSON.stringify(child.platform) : null)),
      linked.map((child) => (child.annotations ? JSON.stringify(child.annotations) : null)),
    ],
  );
}

/** A child manifest that arrived after its index (proxy cache): linked to every index of the repository that names it. */
export async function linkToParents(tx: SqlExecutor, repositoryId: number, childId: number, childDigest: string): Promise<void> {
  const parents = await tx.query<{ id: number; media_type: string; manifest: Buffer }>(
    `SELECT id, media_type, manifest FROM artifact
      WHERE repository_id = $1 AND media_type = ANY($2::varchar[]) AND position(convert_to($3, 'UTF8') IN manifest) > 0`,
    [repositoryId, INDEX_MANIFEST_TYPES, childDigest],
  );
  for (const parent of parents) {
    const descriptor = parseManifest(parent.manifest, parent.media_type).manifests.find((m) => m.digest === childDigest);
    if (!descriptor) continue;
    await tx.query(
      `INSERT INTO artifact_reference (parent_id, child_id, child_digest, platform, annotations) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (parent_id, child_id) DO NOTHING`,
      [parent.id, childId, childDigest, descriptor.platform ? JSON.stringify(descriptor.platform) : null, descriptor.annotations ? JSON.stringify(descriptor.annotations) : null],
    );
  }
}

/** Harbor's artifact type; the parser folds the config media type into artifactType, which detection tries next anyway. */
function typeOf(parsed: ParsedManifest): string {
  const explicit = parsed.kind === 'image' && parsed.artifactType === parsed.config?.mediaType ? undefined : parsed.artifactType;
  return detectArtifactType({ kind: parsed.kind, artifactType: explicit, configMediaType: parsed.config?.mediaType, annotations: parsed.annotations });
}
