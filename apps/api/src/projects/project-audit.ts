import type { AuditEntry, AuditOperation } from '@wharf/audit';
import { principalName } from '@wharf/iam';
import type { Actor } from '../management/current-actor.decorator';

export type ProjectAuditResource = 'project' | 'metadata' | 'member' | 'configuration';

/** The audit entry of a change the actor made (recorded only once it succeeded). */
export function auditEntry(actor: Actor, projectId: number | null, operation: AuditOperation, resourceType: ProjectAuditResource, resource: string): AuditEntry {
  return {
    projectId,
    operation,
    resourceType,
    resource,
    username: principalName(actor.principal),
    clientIp: actor.clientIp,
    userAgent: actor.userAgent,
  };
}
