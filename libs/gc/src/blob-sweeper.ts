import { Inject, Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { MANIFEST_TYPES, QUOTA_LEDGER, blobKey, parseDigest, type QuotaLedgerPort } from '@wharf/registry-core';
import { BLOB_DRIVER, type BlobDriver } from '@wharf/storage';
import { DeletePacer } from './delete-pacer';

/** A blob the sweep owns (status `deleting`): nothing can reference it any more. */
export interface ClaimedBlob {
  id: number;
  digest: string;
  size: number;
  contentType: string | null;
}

export interface SweepOutcome {
  deleted: ClaimedBlob[];
  failed: { blob: ClaimedBlob; reason: string }[];
}

/** What a set of blobs amounts to (dry-run and mark reports). */
export interface BlobTally {
  blobs: number;
  manifests: number;
  bytes: number;
}

/**
 * Keys per storage delete request: small enough that one request holds the storage briefly (pushes
 * get their turn between them) and the pacer learns often, large enough to stay cheap per key.
 */
const DELETE_BATCH = 200;

/** SQL condition on blob `b`: no artifact in any project references it. */
const UNREFERENCED = `NOT EXISTS (SELECT 1 FROM artifact_blob ab WHERE ab.digest_blob = b.digest)`;

/**
 * The blob status machine of ARCHITECTURE.md ("Non-blocking garbage collection"), in SQL:
 * `none -> delete` (mark), `delete -> deleting` (claim, by compare-and-set, re-checking
 * references in the same transaction), storage deletion in batches, then the row goes (and the
 * quota it used comes back) or it becomes `deletefailed`. Candidates always come from the
 * database, never from listing storage.
 */
@Injectable()
export class BlobSweeper {
  constructor(
    private readonly sql: SqlClient,
    @Inject(BLOB_DRIVER) private readonly driver: BlobDriver,
    @Inject(QUOTA_LEDGER) private readonly quota: QuotaLedgerPort,
  ) {}

  /**
   * Marks up to `limit` unreferenced blobs untouched since `cutoff` with ids above `afterId`
   * (`none`/`deletefailed` -> `delete`). Rows a push holds right now are skipped: in use.
   * Returns the marked blobs' tally and the highest id seen, or null when none is left.
   */
  async markChunk(afterId: number, cutoff: Date, limit: number): Promise<{ lastId: number; tally: BlobTally } | null> {
    const rows = await this.sql.query<{ id: number; size: number; content_type: string | null }>(
      `WITH picked AS (
         SELECT b.id FROM blob b
          WHERE b.id > $1 AND b.status IN ('none', 'deletefailed') AND b.update_time < $2 AND ${UNREFERENCED}
          ORDER BY b.id LIMIT $3
          FOR UPDATE SKIP LOCKED
       )
       UPDATE blob b SET status = 'delete', version = b.version + 1 FROM picked WHERE b.id = picked.id
       RETURNING b.id, b.size, b.content_type`,
      [afterId, cutoff, limit],
    );
    if (rows.length === 0) return null;
    return { lastId: rows.reduce((max, r) => Math.max(max, r.id), 0), tally: tallyOf(rows) };
  }

  /** The marked blobs (status `delete`) with ids above `afterId`, a page at a time, in id order. */
  async markedPage(afterId: number, limit: number): Promise<number[]> {
    const rows = await this.sql.query<{ id: number }>(`SELECT id FROM blob WHERE status = 'delete' AND id > $1 ORDER BY id LIMIT $2`, [afterId, limit]);
    return rows.map((r) => r.id);
  }

  /** Blobs left `deleting` by a run that crashed: already proven unreferenced, they only need finishing. */
  async leftDeleting(afterId: number, limit: number): Promise<ClaimedBlob[]> {
    return this.sql.query<ClaimedBlob>(
      `SELECT id, digest, size, content_type AS "contentType" FROM blob WHERE status = 'deleting' AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }

  /**
   * `delete -> deleting` by compare-and-set for marked blobs still untouched since `cutoff`.
   * A push that reuses a blob either touched it first (status `none`: the CAS fails) or holds
   * its row (FOR SHARE) until it commits; then the reference check, a statement of its own
   * inside this transaction, sees what it wrote, and the blob goes back to `none`. Clients never
   * see a referenced blob in `deleting`.
   */
  async claim(ids: number[], cutoff: Date): Promise<ClaimedBlob[]> {
    if (ids.length === 0) return [];
    return retryOnDeadlock(() => this.sql.transaction(async (tx) => {
      const claimed = await tx.query<ClaimedBlob>(
        `WITH locked AS (
           SELECT id FROM blob WHERE id = ANY($1::bigint[]) AND status = 'delete' AND update_time < $2 ORDER BY id FOR UPDATE
         )
         UPDATE blob b SET status = 'deleting', version = b.version + 1 FROM locked WHERE b.id = locked.id
         RETURNING b.id, b.digest, b.size, b.content_type AS "contentType"`,
        [ids, cutoff],
      );
      if (claimed.length === 0) return [];
      const referenced = await tx.query<{ id: number }>(
        `UPDATE blob b SET status = 'none', version = b.version + 1
          WHERE b.id = ANY($1::bigint[]) AND NOT (${UNREFERENCED}) RETURNING b.id`,
        [claimed.map((b) => b.id)],
      );
      const kept = new Set(referenced.map((r) => r.id));
      return claimed.filter((b) => !kept.has(b.id));
    }));
  }

  /**
   * Deletes the claimed blobs' objects in batches paced by `pacer` (S3 DeleteObjects), then their rows, giving
   * each project back the bytes it was charged. An object that cannot be deleted leaves its
   * row `deletefailed` (retried by the next run); the others go on.
   */
  async sweep(blobs: ClaimedBlob[], pacer: DeletePacer = new DeletePacer()): Promise<SweepOutcome> {
    if (blobs.length === 0) return { deleted: [], failed: [] };
    const byKey = new Map(blobs.map((b) => [blobKey(parseDigest(b.digest)), b]));
    const keys = [...byKey.keys()];
    const batches = Array.from({ length: Math.ceil(keys.length / DELETE_BATCH) }, (_, i) => keys.slice(i * DELETE_BATCH, (i + 1) * DELETE_BATCH));
    // as many batches in flight as the pacer allows: it grows while the storage answers fast and
    // backs off when it slows down, so pushes running meanwhile keep their throughput
    const results = await Promise.all(
      batches.map((batch) =>
        pacer
          .run(batch.length, async () => {
            const result = await this.driver.deleteMany(batch);
            // a request refused whole (throttled, unavailable) is the storage asking us to slow down
            if (result.failed.length === batch.length) throw new BatchRefused(result);
            return result;
          })
          .catch((error: Error) => (error instanceof BatchRefused ? error.result : { failed: batch.map((key) => ({ key, reason: error.message })) })),
      ),
    );
    const failed = results.flatMap((r) => r.failed);
    const failures = failed.map((f) => ({ blob: byKey.get(f.key)!, reason: f.reason }));
    const failedIds = new Set(failures.map((f) => f.blob.id));
    if (failures.length > 0) {
      await this.sql.query(`UPDATE blob SET status = 'deletefailed', version = version + 1 WHERE id = ANY($1::bigint[]) AND status = 'deleting'`, [
        [...failedIds],
      ]);
    }
    const deleted = blobs.filter((b) => !failedIds.has(b.id));
    if (deleted.length > 0) await this.removeRows(deleted.map((b) => b.id));
    return { deleted, failed: failures };
  }

  /** What marking would find now, without marking anything (dry run). */
  async tallyCandidates(cutoff: Date, removedArtifactIds: number[]): Promise<BlobTally> {
    // a blob counts when every artifact that references it is among those delete_untagged would remove
    const rows = await this.sql.query<{ size: number; content_type: string | null }>(
      `SELECT b.size, b.content_type FROM blob b
        WHERE b.status IN ('none', 'delete', 'deletefailed', 'deleting')
          AND (b.update_time < $1 OR b.status = 'deleting')
          AND NOT EXISTS (
            SELECT 1 FROM artifact_blob ab
             WHERE ab.digest_blob = b.digest
               AND (NOT EXISTS (SELECT 1 FROM artifact a WHERE a.digest = ab.digest_af)
                    OR EXISTS (SELECT 1 FROM artifact a WHERE a.digest = ab.digest_af AND a.id <> ALL($2::bigint[]))))`,
      [cutoff, removedArtifactIds],
    );
    return tallyOf(rows);
  }

  // the quota first (the ledger gives every project holding one its bytes back), then the rows
  private async removeRows(ids: number[]): Promise<void> {
    await retryOnDeadlock(() => this.sql.transaction(async (tx) => {
      await this.quota.releaseCollected(tx, ids);
      await tx.query(`DELETE FROM blob WHERE id = ANY($1::bigint[]) AND status = 'deleting'`, [ids]);
    }));
  }
}

class BatchRefused extends Error {
  constructor(readonly result: { failed: { key: string; reason: string }[] }) {
    super(result.failed[0]?.reason ?? 'refused');
  }
}

export function isManifest(blob: { contentType: string | null }): boolean {
  return blob.contentType !== null && MANIFEST_TYPES.includes(blob.contentType);
}

function tallyOf(rows: { size: number; content_type: string | null }[]): BlobTally {
  return {
    blobs: rows.length,
    manifests: rows.filter((r) => isManifest({ contentType: r.content_type })).length,
    bytes: rows.reduce((sum, r) => sum + r.size, 0),
  };
}

const DEADLOCK_RETRIES = 3;

/** A lock-order cycle with a concurrent push is rare and harmless to retry: the transaction rolled back whole. */
async function retryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= DEADLOCK_RETRIES) throw error;
    }
  }
}
