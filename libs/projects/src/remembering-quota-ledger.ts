import { Injectable } from '@nestjs/common';
import { EpochCheckedMemo, projectSettingsEpochs, RevocationEpochs } from '@wharf/iam';
import type { SqlExecutor, SqlTransaction } from '@wharf/db';
import type { ChargedBlob, QuotaBudget, QuotaContext, QuotaLedgerPort, QuotaUsage } from '@wharf/registry-core';
import { QuotaLedger } from './quota-ledger';

/**
 * The QuotaLedger behind the QUOTA_LEDGER port, remembering which projects have no storage limit
 * so that their pushes skip the early budget read (`budget`), a round trip of every small push
 * that can only answer "no limit" for them. Most projects are unlimited (the default quota).
 * Only the early check is skipped: the charge that links a blob stays atomic in the database and
 * refuses a push beyond a limit set a moment ago. A limit is changed only by ProjectService.update,
 * which marks the project's settings epoch before and after: the change counts at once on the
 * replica that made it, within about a second on the others (EpochCheckedMemo).
 *
 * A project with a limit is remembered too (as limited), so its budget is read once, with the
 * blob's digest (a blob it holds costs nothing), as before. The project's name, which the epochs
 * are kept by, is the first segment of the context's repository.
 */
@Injectable()
export class RememberingQuotaLedger implements QuotaLedgerPort {
  private readonly unlimited: EpochCheckedMemo<{ projectId: number; projectName: string }, boolean>;

  constructor(
    private readonly ledger: QuotaLedger,
    epochs: RevocationEpochs,
  ) {
    const projectChangedSince = projectSettingsEpochs(epochs);
    this.unlimited = new EpochCheckedMemo({
      idOf: ({ projectId, projectName }) => `${projectId}/${projectName}`,
      changedSince: ({ projectName }, readAt) => projectChangedSince(projectName, readAt),
    });
  }

  async budget(projectId: number, context: QuotaContext, heldDigest?: string): Promise<QuotaBudget> {
    let read: QuotaBudget | undefined;
    // without a digest, an unbounded budget means the project has no limit
    const unlimited = await this.unlimited.get({ projectId, projectName: projectOf(context) }, async () => (read = await this.ledger.budget(projectId, context)).bytes === Infinity);
    if (unlimited) return read ?? { bytes: Infinity, refuse: async (size) => (await this.ledger.budget(projectId, context)).refuse(size) };
    // a limit: what is left, with the blob free when the project holds it
    return read && heldDigest === undefined ? read : this.ledger.budget(projectId, context, heldDigest);
  }

  /** a caller reading the budget in its own statement (the manifest push's early read) pays no round trip for it: nothing to remember */
  usageColumns(project: string, heldDigest: string): string {
    return this.ledger.usageColumns(project, heldDigest);
  }

  budgetFrom(projectId: number, usage: QuotaUsage | undefined, context: QuotaContext): QuotaBudget {
    return this.ledger.budgetFrom(projectId, usage, context);
  }

  charge(tx: SqlTransaction, projectId: number, blobs: readonly ChargedBlob[], context: QuotaContext): Promise<void> {
    return this.ledger.charge(tx, projectId, blobs, context);
  }

  chargeNow(projectId: number, blobs: readonly ChargedBlob[], context: QuotaContext): Promise<void> {
    return this.ledger.chargeNow(projectId, blobs, context);
  }

  refusalOf(error: unknown, context: QuotaContext): Promise<Error | null> {
    return this.ledger.refusalOf(error, context);
  }

  release(tx: SqlExecutor, projectId: number, blobIds: readonly number[]): Promise<number> {
    return this.ledger.release(tx, projectId, blobIds);
  }

  releaseCollected(tx: SqlExecutor, blobIds: readonly number[]): Promise<void> {
    return this.ledger.releaseCollected(tx, blobIds);
  }
}

function projectOf(context: QuotaContext): string {
  return context.repository.split('/')[0];
}
