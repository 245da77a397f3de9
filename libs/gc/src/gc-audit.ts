import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import type { SqlExecutor } from '@wharf/db';

/**
 * The audit entry of a GC change someone asked for (a run, a stop, the schedule), written in the
 * change's transaction. GC is system-level: no project. Runs the schedule starts have no actor
 * and are not audited here.
 */
export async function auditGcChange(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, resource: string): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId: null, operation, resourceType: 'gc', resource });
}
