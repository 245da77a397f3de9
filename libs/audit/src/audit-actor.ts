/**
 * Who made an audited change and from where, as the audit log records it: the caller's name
 * (a user name, robot$..., or anonymous), its address and user agent. The layer that knows the
 * caller (the management API) builds it; the domain lib that makes the change writes it.
 */
export interface AuditActor {
  username: string;
  clientIp?: string;
  userAgent?: string;
}
