import type { SqlExecutor } from '@wharf/db';

/**
 * Deletes an artifact row (tags and index links go with it) and gives back what only it used.
 * The caller holds the project row lock (FOR UPDATE), so no push of this project is half-way through.
 */
export async function removeArtifact(tx: SqlExecutor, projectId: number, artifactId: string, digest: string): Promise<void> {
  await tx.query(`DELETE FROM artifact WHERE id = $1`, [artifactId]);
  await releaseUnreferencedBlobs(tx, projectId, digest);
  // artifact_blob is keyed by digest: keep it while the same manifest lives in another repository
  await tx.query(`DELETE FROM artifact_blob WHERE digest_af = $1 AND NOT EXISTS (SELECT 1 FROM artifact WHERE digest = $1)`, [digest]);
}

/**
 * Gives the quota back: blobs of the deleted artifact that no other artifact of the project
 * uses are unlinked from it and their size subtracted. The bytes stay for GC.
 */
export async function releaseUnreferencedBlobs(tx: SqlExecutor, projectId: number, artifactDigest: string): Promise<void> {
  await tx.query(
    `WITH released AS (
       DELETE FROM project_blob pb USING blob b
        WHERE pb.blob_id = b.id AND pb.project_id = $1
          AND b.digest IN (SELECT digest_blob FROM artifact_blob WHERE digest_af = $2)
          AND NOT EXISTS (SELECT 1 FROM artifact a JOIN artifact_blob ab ON ab.digest_af = a.digest
                           WHERE a.project_id = $1 AND ab.digest_blob = b.digest)
        RETURNING b.size
     )
     UPDATE project SET storage_used = GREATEST(storage_used - COALESCE((SELECT sum(size) FROM released), 0), 0) WHERE project_id = $1`,
    [projectId, artifactDigest],
  );
}
