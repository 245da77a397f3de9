export type AuditOperation = 'create' | 'update' | 'delete' | 'pull' | 'push';

export interface AuditEntry {
  /** the project the change happened in; null for system-level resources (users, system robots) */
  projectId: number | null;
  /**
   * Instead of `projectId`: the project's name, resolved to its id when the entry is written (one
   * query per batch, so a pull does not pay a lookup). Ignored when `projectId` is set; an entry
   * whose project no longer exists by then is kept with no project.
   */
  projectName?: string;
  operation: AuditOperation;
  /** project, repository, artifact, tag, member, robot, user, configuration */
  resourceType: string;
  /** what was acted on, e.g. `library/nginx:latest`, `library/nginx@sha256:...`, a project or user name */
  resource: string;
  /** who: a user name, robot$..., or anonymous */
  username: string;
  clientIp?: string;
  userAgent?: string;
}

/** An entry as it waits to be written: cleaned to fit its columns, stamped with the time it happened. */
export interface PendingAuditEntry {
  projectId: number | null;
  projectName: string | null;
  operation: string;
  resourceType: string;
  resource: string;
  username: string;
  clientIp: string | null;
  userAgent: string | null;
  opTime: Date;
}

/** One row of the audit log. */
export interface AuditLogRecord {
  id: number;
  projectId: number | null;
  operation: string;
  resourceType: string;
  resource: string;
  username: string;
  clientIp: string | null;
  userAgent: string | null;
  opTime: Date;
}

/** `fuzzy`: a case-insensitive substring (Harbor's `key=~value`); otherwise the exact value. */
export interface TextMatch {
  value: string;
  fuzzy: boolean;
}

export interface AuditLogFilter {
  /** only this project's entries; every entry when absent */
  projectId?: number;
  username?: TextMatch;
  resource?: TextMatch;
  /** any of these */
  operations?: string[];
  /** any of these */
  resourceTypes?: string[];
  /** inclusive bounds on op_time */
  from?: Date;
  to?: Date;
  offset: number;
  limit: number;
}
