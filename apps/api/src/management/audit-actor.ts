import type { AuditActor } from '@wharf/audit';
import { principalName } from '@wharf/iam';
import type { Actor } from './current-actor.decorator';

/** The caller as the audit log names it; the domain lib making the change writes the entry in its transaction. */
export function auditActorOf(actor: Actor): AuditActor {
  return { username: principalName(actor.principal), clientIp: actor.clientIp, userAgent: actor.userAgent };
}
