import { Injectable, Logger } from '@nestjs/common';
import { SqlClient, type SqlExecutor, type SqlTransaction } from '@wharf/db';
import { EventOutbox, EventType } from '@wharf/events';
import { quotaExceeded, type ChargedBlob, type QuotaBudget, type QuotaContext, type QuotaLedgerPort, type QuotaUsage } from '@wharf/registry-core';

/**
 * The one writer of a project's storage usage (`project.storage_used`) and of the blobs it is
 * charged for (`project_blob`): both change together, in the caller's transaction, so usage is
 * always the sum of the sizes of the project's blobs. A refusal over the limit is recorded here,
 * as a QUOTA_EXCEED event with the context the caller gives, outside the transaction it rolls back.
 */
@Injectable()
export class QuotaLedger implements QuotaLedgerPort {
  private readonly logger = new Logger(QuotaLedger.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly outbox: EventOutbox,
  ) {}

  async budget(projectId: number, context: QuotaContext, heldDigest?: string): Promise<QuotaBudget> {
    const rows = await this.sql.query<QuotaUsage>(`SELECT ${this.usageColumns('p', '$2')} FROM project p WHERE p.project_id = $1`, [
      projectId,
      heldDigest ?? null,
    ]);
    return this.budgetFrom(projectId, rows[0], context);
  }

  /**
   * What `budget` reads, as columns of a caller's own statement (a manifest push's early read):
   * `project` is the alias of the project's row there, `heldDigest` the SQL of the digest about to
   * be stored (a parameter; NULL for none). The row goes to `budgetFrom`.
   */
  usageColumns(project: string, heldDigest: string): string {
    return `${project}.name AS quota_project, ${project}.storage_limit AS quota_limit, ${project}.storage_used AS quota_used,
            EXISTS (SELECT 1 FROM project_blob qpb JOIN blob qb ON qb.id = qpb.blob_id
                     WHERE qpb.project_id = ${project}.project_id AND qb.digest = ${heldDigest}) AS quota_held`;
  }

  /** `budget` from the row a caller read with `usageColumns` (undefined: no such project, no limit). */
  budgetFrom(projectId: number, usage: QuotaUsage | undefined, context: QuotaContext): QuotaBudget {
    const limit = Number(usage?.quota_limit ?? -1);
    const used = Number(usage?.quota_used ?? 0);
    const refuse = async (size: number): Promise<Error> => {
      const error = quotaExceeded(usage?.quota_project ?? String(projectId), limit, used, size);
      await this.recordRefusal(context, error.message);
      return error;
    };
    if (!usage || usage.quota_held || limit < 0) return { bytes: Infinity, refuse };
    return { bytes: Math.max(limit - used, 0), refuse };
  }

  async charge(tx: SqlTransaction, projectId: number, blobs: readonly ChargedBlob[], context: QuotaContext): Promise<void> {
    const refusal = await this.chargeIn(tx, projectId, blobs);
    if (!refusal) return;
    // the refusal rolls the caller's transaction back, and an event written in it would go too
    tx.afterRollback(() => this.recordRefusal(context, refusal.message));
    throw refusal;
  }

  async chargeNow(projectId: number, blobs: readonly ChargedBlob[], context: QuotaContext): Promise<void> {
    const refusal = await this.chargeIn(this.sql, projectId, blobs);
    if (!refusal) return;
    await this.recordRefusal(context, refusal.message);
    throw refusal;
  }

  /**
   * One statement (`wharf_quota_charge`, migration 1765310000000): locks the project row, then
   * links the blobs and adds their sizes, in that order in every ledger write (charge and
   * release): a transaction that already changed the project (an earlier charge or release) and a
   * charge that linked a shared blob first would otherwise each wait for the other. Beyond the
   * limit the statement fails and links nothing; the refusal is returned, to be thrown.
   */
  private async chargeIn(db: SqlExecutor, projectId: number, blobs: readonly ChargedBlob[]): Promise<Error | null> {
    if (blobs.length === 0) return null;
    const sizes = new Map(blobs.map((b) => [b.id, b.size]));
    // in id order, so concurrent charges of shared blobs cannot deadlock on the unique key
    const ids = [...sizes.keys()].sort((a, b) => a - b);
    try {
      await db.query(`SELECT wharf_quota_charge($1, $2::bigint[], $3::bigint[])`, [projectId, ids, ids.map((id) => sizes.get(id))]);
      return null;
    } catch (error) {
      const refusal = quotaRefusalOf(error);
      if (!refusal) throw error;
      return refusal;
    }
  }

  async refusalOf(error: unknown, context: QuotaContext): Promise<Error | null> {
    const refusal = quotaRefusalOf(error);
    if (refusal) await this.recordRefusal(context, refusal.message);
    return refusal;
  }

  async release(tx: SqlExecutor, projectId: number, blobIds: readonly number[]): Promise<number> {
    if (blobIds.length === 0) return 0;
    await lockProjectRow(tx, projectId);
    const rows = await tx.query<{ released: number }>(
      `WITH released AS (
         DELETE FROM project_blob pb USING blob b
          WHERE pb.blob_id = b.id AND pb.project_id = $1 AND pb.blob_id = ANY($2::bigint[])
          RETURNING b.size
       )
       UPDATE project SET storage_used = GREATEST(storage_used - COALESCE((SELECT sum(size) FROM released), 0), 0)
        WHERE project_id = $1 RETURNING (SELECT count(*)::int FROM released) AS released`,
      [projectId, blobIds],
    );
    return rows[0]?.released ?? 0;
  }

  async releaseCollected(tx: SqlExecutor, blobIds: readonly number[]): Promise<void> {
    if (blobIds.length === 0) return;
    // project rows in id order: two sweeps (or a sweep and a push) take them in the same order
    await tx.query(
      `UPDATE project p SET storage_used = GREATEST(p.storage_used - released.total, 0)
         FROM (SELECT pb.project_id, sum(b.size) AS total FROM project_blob pb JOIN blob b ON b.id = pb.blob_id
                WHERE b.id = ANY($1::bigint[]) AND b.status = 'deleting' GROUP BY pb.project_id ORDER BY pb.project_id) released
        WHERE p.project_id = released.project_id`,
      [blobIds],
    );
    await tx.query(
      `DELETE FROM project_blob pb USING blob b WHERE pb.blob_id = b.id AND b.id = ANY($1::bigint[]) AND b.status = 'deleting'`,
      [blobIds],
    );
  }

  /** A refused push is reported (webhooks) even though nothing of it committed; failing to, it still answers 403. */
  private async recordRefusal(context: QuotaContext, message: string): Promise<void> {
    try {
      const { repository, digest, operator } = context;
      await this.outbox.append([{ type: EventType.QuotaExceed, data: { repository, ...(digest ? { digest } : {}), message, operator } }]);
    } catch (error) {
      this.logger.warn(`could not record a quota event: ${(error as Error).message}`);
    }
  }
}

/** what `wharf_quota_charge` raises beyond the limit */
const QUOTA_REFUSED_SQLSTATE = 'WQ001';

/** The quota refusal `wharf_quota_charge` raised, as the error to throw; null for any other error. */
function quotaRefusalOf(error: unknown): Error | null {
  const { code, detail } = error as { code?: string; detail?: string };
  if (code !== QUOTA_REFUSED_SQLSTATE || !detail) return null;
  const project = JSON.parse(detail) as { name: string; limit: number; used: number; size: number };
  return quotaExceeded(project.name, project.limit, project.used, project.size);
}

/** The lock every ledger write takes first (see charge): the one the storage_used UPDATE would take anyway. */
async function lockProjectRow(tx: SqlExecutor, projectId: number): Promise<void> {
  await tx.query(`SELECT 1 FROM project WHERE project_id = $1 FOR NO KEY UPDATE`, [projectId]);
}
