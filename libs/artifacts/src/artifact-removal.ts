import type { SqlExecutor } from '@wharf/db';
import type { QuotaLedgerPort } from '@wharf/registry-core';

/**
 * Deletes an artifact row (tags and index links go with it) and gives back what only it used.
 * The caller holds the project row lock (FOR UPDATE), so no push of this project is half-way through.
 */
export async function removeArtifact(tx: SqlExecutor, quota: QuotaLedgerPort, projectId: number, artifactId: number, digest: string): Promise<void> {
  await tx.query(`DELETE FROM artifact WHERE id = $1`, [artifactId]);
  await releaseUnreferencedBlobs(tx, quota, projectId, digest);
  // artifact_blob is keyed by digest: keep it while the same manifest lives in another repository
  await tx.query(`DELETE FROM artifact_blob WHERE digest_af = $1 AND NOT EXISTS (SELECT 1 FROM artifact WHERE digest = $1)`, [digest]);
}

/**
 * Gives the quota back: blobs of the deleted artifact that no other artifact of the project
 * uses are released by the quota ledger (unlinked from the project, their size subtracted).
 * The bytes stay for GC.
 */
export async function releaseUnreferencedBlobs(tx: SqlExecutor, quota: QuotaLedgerPort, projectId: number, artifactDigest: string): Promise<void> {
  const unused = await tx.query<{ id: number }>(
    `SELECT b.id FROM blob b
      WHERE b.digest IN (SELECT digest_blob FROM artifact_blob WHERE digest_af = $2)
        AND NOT EXISTS (SELECT 1 FROM artifact a JOIN artifact_blob ab ON ab.digest_af = a.digest
                         WHERE a.project_id = $1 AND ab.digest_blob = b.digest)
      ORDER BY b.id`,
    [projectId, artifactDigest],
  );
  await quota.release(tx, projectId, unused.map((b) => b.id));
}

/**
 * Many artifacts of one project at once (tag retention's batches), the same rows as
 * `removeArtifact` for each: the artifact rows (tags and index links go with them), the quota of
 * blobs no artifact left in the project uses, and artifact_blob rows of digests no repository holds.
 */
export async function removeArtifacts(tx: SqlExecutor, quota: QuotaLedgerPort, projectId: number, artifacts: readonly { id: number; digest: string }[]): Promise<void> {
  if (artifacts.length === 0) return;
  const digests = [...new Set(artifacts.map((a) => a.digest))];
  await tx.query(`DELETE FROM artifact WHERE id = ANY($1::bigint[])`, [artifacts.map((a) => a.id)]);
  const unused = await tx.query<{ id: number }>(
    `SELECT b.id FROM blob b
      WHERE b.digest IN (SELECT digest_blob FROM artifact_blob WHERE digest_af = ANY($2::text[]))
        AND NOT EXISTS (SELECT 1 FROM artifact a JOIN artifact_blob ab ON ab.digest_af = a.digest
                         WHERE a.project_id = $1 AND ab.digest_blob = b.digest)
      ORDER BY b.id`,
    [projectId, digests],
  );
  await quota.release(tx, projectId, unused.map((b) => b.id));
  await tx.query(`DELETE FROM artifact_blob WHERE digest_af = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM artifact WHERE digest = artifact_blob.digest_af)`, [digests]);
}
