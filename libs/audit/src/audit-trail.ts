import type { SqlExecutor } from '@wharf/db';
import type { AuditActor } from './audit-actor';
import { cleanAuditEntry } from './audit-entry-cleaning';
import { insertAuditEntries } from './audit-log.repository';
import type { AuditEntry } from './audit-log.types';

/** What changed, as an audit entry names it; who changed it is the AuditActor given beside it. */
export type AuditedChange = Omit<AuditEntry, 'username' | 'clientIp' | 'userAgent'>;

/**
 * Audit entries written in the transaction of the change they describe: the entry commits with
 * the change or not at all, so a change is never left without its entry (no buffer to lose in a
 * crash, nothing refused later) and a change whose entry cannot be written is rolled back.
 * Domain libs call it inside their own transaction; it needs no injection, only the `tx`.
 */
export const AuditTrail = {
  async write(tx: SqlExecutor, actor: AuditActor, changes: AuditedChange | readonly AuditedChange[]): Promise<void> {
    const opTime = new Date();
    const entries = (Array.isArray(changes) ? changes : [changes]) as readonly AuditedChange[];
    await insertAuditEntries(
      tx,
      entries.map((change) => cleanAuditEntry({ ...change, username: actor.username, clientIp: actor.clientIp, userAgent: actor.userAgent }, opTime)),
    );
  },
} as const;
