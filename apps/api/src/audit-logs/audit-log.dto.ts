import type { AuditLogRecord } from '@wharf/audit';

/** Harbor's AuditLog, plus where the call came from (`client_ip`, absent when unknown). */
export class AuditLogResponse {
  id!: number;
  username!: string;
  resource!: string;
  resource_type!: string;
  operation!: string;
  op_time!: Date;
  client_ip?: string;
}

export function toAuditLogResponse(record: AuditLogRecord): AuditLogResponse {
  return {
    id: record.id,
    username: record.username,
    resource: record.resource,
    resource_type: record.resourceType,
    operation: record.operation,
    op_time: record.opTime,
    ...(record.clientIp ? { client_ip: record.clientIp } : {}),
  };
}
