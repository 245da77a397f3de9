import type { SqlExecutor, SqlTransaction } from '@wharf/db';

/**
 * The quota ledger as registry-core and the content libs see it: a project's storage usage and
 * the blobs it is charged for (`project_blob`) change only through it, inside the caller's
 * transaction. The implementation belongs to the lib that owns the `project` table
 * (`QuotaLedger` in libs/projects); apps supply it (`QuotaLedgerModule`, global), so this
 * platform lib never imports a domain lib.
 */
export const QUOTA_LEDGER = Symbol('QUOTA_LEDGER');

/**
 * What a quota decision is about. A refusal becomes a QUOTA_EXCEED event carrying it, written by
 * the ledger outside the refused (rolled back) transaction.
 */
export interface QuotaContext {
  /** full repository name, `project/path` */
  repository: string;
  /** user or robot name; empty for anonymous */
  operator: string;
  /** the manifest pushed or copied, when the event names one */
  digest?: string;
}

/** A blob as the ledger charges it: its row and its size. */
export interface ChargedBlob {
  id: number;
  size: number;
}

/**
 * What a project may still store, read before any byte is written (the charge itself stays
 * atomic, in `charge`). `bytes`: Infinity without a limit, or for a blob the project holds already.
 */
export interface QuotaBudget {
  bytes: number;
  /** The refusal of a push that needs `size` bytes: records the QUOTA_EXCEED event, then returns the error to throw (403 DENIED naming the quota). */
  refuse(size: number): Promise<Error>;
}

/** A project's quota as `QuotaLedgerPort.usageColumns` selects it (bigint columns may come as strings). */
export interface QuotaUsage {
  quota_project: string;
  quota_limit: number | string;
  quota_used: number | string;
  /** the project holds the digest about to be stored already: it costs nothing */
  quota_held: boolean;
}

export interface QuotaLedgerPort {
  /** The early read check; `heldDigest`: the blob about to be stored, free when the project holds it. */
  budget(projectId: number, context: QuotaContext, heldDigest?: string): Promise<QuotaBudget>;
  /**
   * `budget`'s read as columns of the caller's own statement (one round trip fewer): `project`
   * is the alias of the project row there, `heldDigest` the SQL of the digest (a parameter).
   */
  usageColumns(project: string, heldDigest: string): string;
  /** `budget` from the row read with `usageColumns`; undefined: no such project (no limit). */
  budgetFrom(projectId: number, usage: QuotaUsage | undefined, context: QuotaContext): QuotaBudget;
  /**
   * Links `blobs` to the project and charges the size of those new to it, inside `tx`. Beyond the
   * limit it throws 403 DENIED naming the quota, nothing is linked (the caller's transaction rolls
   * back) and the QUOTA_EXCEED event is written once that rollback is done.
   */
  charge(tx: SqlTransaction, projectId: number, blobs: readonly ChargedBlob[], context: QuotaContext): Promise<void>;
  /** `charge` on its own, as one statement and one commit (a blob upload, a mount): refused beyond the limit with nothing linked and the event written. */
  chargeNow(projectId: number, blobs: readonly ChargedBlob[], context: QuotaContext): Promise<void>;
  /**
   * What a statement that charged through the ledger's own SQL function (`wharf_quota_charge`,
   * called by another function of the same transaction) failed with: beyond the limit, the
   * refusal to throw (403 DENIED naming the quota) once the QUOTA_EXCEED event is written; any
   * other error, null.
   */
  refusalOf(error: unknown, context: QuotaContext): Promise<Error | null>;
  /** Unlinks these blobs (ids) from the project and gives their size back; returns how many it held. */
  release(tx: SqlExecutor, projectId: number, blobIds: readonly number[]): Promise<number>;
  /** GC removes these blob rows (status `deleting`): every project holding one gets its size back and loses the link. */
  releaseCollected(tx: SqlExecutor, blobIds: readonly number[]): Promise<void>;
}
