import { AUDIT_COLUMN_LIMITS } from './audit-log.repository';
import type { AuditEntry, PendingAuditEntry } from './audit-log.types';

/** An entry cut to fit its columns and stamped with the time it happened, ready to be inserted. */
export function cleanAuditEntry(entry: AuditEntry, opTime: Date = new Date()): PendingAuditEntry {
  const limits = AUDIT_COLUMN_LIMITS;
  return {
    projectId: entry.projectId ?? null,
    projectName: entry.projectId == null && entry.projectName ? fit(entry.projectName, limits.projectName) : null,
    operation: fit(entry.operation, limits.operation),
    resourceType: fit(entry.resourceType, limits.resourceType),
    resource: fit(entry.resource, limits.resource),
    username: fit(entry.username, limits.username),
    clientIp: entry.clientIp ? fit(entry.clientIp, limits.clientIp) : null,
    userAgent: entry.userAgent ? fit(entry.userAgent, limits.userAgent) : null,
    opTime,
  };
}

/**
 * Cut to the column's size (in characters, as Postgres counts them) and without NUL, which
 * Postgres text refuses: one over-long user agent must not cost the whole batch, nor fail (and so
 * roll back) the change it describes.
 */
function fit(value: string, max: number): string {
  const clean = String(value).replaceAll('\u0000', '');
  return clean.length <= max ? clean : Array.from(clean).slice(0, max).join('');
}
