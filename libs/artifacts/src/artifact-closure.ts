import type { SqlExecutor } from '@wharf/db';

/**
 * SQL: artifact `a` is an accessory of artifact `s`: same repository, and `a` names `s` as its
 * subject, or (older cosign clients, no subject field) `a` is tagged `sha256-<hex>.sig|.att|.sbom`
 * after `s`'s digest.
 */
export const ACCESSORY_OF = (a: string, s: string) => `(${a}.repository_id = ${s}.repository_id AND (${a}.subject_digest = ${s}.digest
  OR (${a}.subject_digest IS NULL AND ${s}.digest LIKE 'sha256:%' AND EXISTS (SELECT 1 FROM tag tt WHERE tt.artifact_id = ${a}.id
      AND tt.name IN ('sha256-' || substr(${s}.digest, 8) || '.sig', 'sha256-' || substr(${s}.digest, 8) || '.att', 'sha256-' || substr(${s}.digest, 8) || '.sbom')))))`;

/**
 * SQL condition on artifact `a`: no tag points to it, no index names it, and it is not an
 * accessory (signature, SBOM) of an artifact still in the repository. What delete_untagged removes.
 */
export const UNTAGGED_ARTIFACT = `NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id)
  AND NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id)
  AND (a.subject_digest IS NULL OR NOT EXISTS (SELECT 1 FROM artifact s WHERE s.repository_id = a.repository_id AND s.digest = a.subject_digest))`;

/** At most this many rounds of following references and accessories (nesting deeper than this is not followed). */
const MAX_DEPTH = 16;

/**
 * The artifact with its accessories (recursively) and its index children. `all`: every child (a
 * copy takes them all). `unkept`: only children no tag and no index outside the set keeps
 * (Harbor's deep delete). Found in id order within each round, so the same content gives the
 * same order whichever project holds it.
 * @returns id -> digest, the artifact first
 */
export async function artifactClosure(db: SqlExecutor, root: { id: number; digest: string }, children: 'all' | 'unkept'): Promise<Map<number, string>> {
  const found = new Map<number, string>([[root.id, root.digest]]);
  for (let round = 0; round < MAX_DEPTH; round += 1) {
    const more = await db.query<{ id: number; digest: string }>(
      `SELECT id, digest FROM (
         SELECT a.id, a.digest FROM artifact s JOIN artifact a ON ${ACCESSORY_OF('a', 's')}
          WHERE s.id = ANY($1::bigint[]) AND NOT (a.id = ANY($1::bigint[]))
         UNION
         SELECT c.id, c.digest FROM artifact_reference ar JOIN artifact c ON c.id = ar.child_id
          WHERE ar.parent_id = ANY($1::bigint[]) AND NOT (c.id = ANY($1::bigint[]))
            ${children === 'unkept' ? `AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM artifact_reference o WHERE o.child_id = c.id AND NOT (o.parent_id = ANY($1::bigint[])))` : ''}
       ) found ORDER BY id`,
      [[...found.keys()]],
    );
    if (more.length === 0) break;
    for (const row of more) found.set(row.id, row.digest);
  }
  return found;
}
