import { Injectable } from '@nestjs/common';
import { SqlClient, escapeLike, type SqlExecutor } from '@wharf/db';
import type { AuditLogFilter, AuditLogRecord, PendingAuditEntry, TextMatch } from './audit-log.types';

/** Column sizes of audit_log (migration 1764400000000): entries are cut to fit before they are written. */
export const AUDIT_COLUMN_LIMITS = {
  operation: 32,
  resourceType: 64,
  resource: 1024,
  username: 255,
  clientIp: 64,
  userAgent: 512,
  projectName: 255,
} as const;

const SELECT = `SELECT id, project_id AS "projectId", operation, resource_type AS "resourceType", resource, username,
    client_ip AS "clientIp", user_agent AS "userAgent", op_time AS "opTime"
  FROM audit_log`;

/** The audit_log table. */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly sql: SqlClient) {}

  /** Newest first (the order the op_time indexes serve). */
  async list(filter: AuditLogFilter): Promise<{ items: AuditLogRecord[]; total: number }> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (condition: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(condition(`$${params.length}`));
    };
    if (filter.projectId !== undefined) where((p) => `project_id = ${p}`, filter.projectId);
    if (filter.username) textCondition(where, 'username', filter.username);
    if (filter.resource) textCondition(where, 'resource', filter.resource);
    if (filter.operations?.length) where((p) => `operation = ANY(${p}::text[])`, filter.operations);
    if (filter.resourceTypes?.length) where((p) => `resource_type = ANY(${p}::text[])`, filter.resourceTypes);
    if (filter.from) where((p) => `op_time >= ${p}`, filter.from.toISOString());
    if (filter.to) where((p) => `op_time <= ${p}`, filter.to.toISOString());
    const whereClause = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const [items, count] = await Promise.all([
      this.sql.query<AuditLogRecord>(`${SELECT} ${whereClause} ORDER BY op_time DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
        ...params,
        filter.limit,
        filter.offset,
      ]),
      this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log ${whereClause}`, params),
    ]);
    return { items, total: count[0].n };
  }
}

/**
 * One INSERT for the whole batch, with a fixed number of parameters however large it is, on
 * `executor` (the pool, or the transaction of the change the entries describe). Entries that
 * name their project instead of giving its id get it from the same statement, and ids follow
 * the order the entries happened in.
 */
export async function insertAuditEntries(executor: SqlExecutor, entries: readonly PendingAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const column = <K extends keyof PendingAuditEntry>(key: K) => entries.map((entry) => entry[key]);
  await executor.query(
    `INSERT INTO audit_log (project_id, operation, resource_type, resource, username, client_ip, user_agent, op_time)
     SELECT COALESCE(e.project_id, p.project_id), e.operation, e.resource_type, e.resource, e.username, e.client_ip, e.user_agent, e.op_time
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
            WITH ORDINALITY AS e(project_id, project_name, operation, resource_type, resource, username, client_ip, user_agent, op_time, n)
       LEFT JOIN project p ON e.project_id IS NULL AND p.name = e.project_name
      ORDER BY e.n`,
    [
      column('projectId'),
      column('projectName'),
      column('operation'),
      column('resourceType'),
      column('resource'),
      column('username'),
      column('clientIp'),
      column('userAgent'),
      entries.map((entry) => entry.opTime.toISOString()),
    ],
  );
}

function textCondition(where: (condition: (placeholder: string) => string, value: unknown) => void, column: string, match: TextMatch): void {
  if (match.fuzzy) where((p) => `${column} ILIKE ${p}`, `%${escapeLike(match.value)}%`);
  else where((p) => `${column} = ${p}`, match.value);
}
