import type { INestApplication } from '@nestjs/common';
import type { AuditEntry } from '@wharf/audit';
import { SqlClient } from '@wharf/db';

/**
 * What the audit log holds, oldest first, in AuditEntry's shape (no project name, no time):
 * read straight from audit_log, so a test sees only entries that were committed, at once.
 */
export async function auditEntries(app: INestApplication): Promise<AuditEntry[]> {
  const rows = await app.get(SqlClient).query<AuditEntry & { clientIp: string | null; userAgent: string | null }>(
    `SELECT project_id AS "projectId", operation, resource_type AS "resourceType", resource, username, client_ip AS "clientIp", user_agent AS "userAgent"
       FROM audit_log ORDER BY id`,
  );
  // absent rather than null, as the entries were given
  return rows.map(({ clientIp, userAgent, ...entry }) => ({ ...entry, ...(clientIp === null ? {} : { clientIp }), ...(userAgent === null ? {} : { userAgent }) }));
}
