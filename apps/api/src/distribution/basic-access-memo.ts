import { Injectable } from '@nestjs/common';
import { RevocationEpochs, type Permission } from '@wharf/iam';

// as long as a granted right is honoured without reading the database again (a docker token's lasts its lifetime, 30 min by default)
const REMEMBER_MS = 60_000;
const REMEMBERED_MAX = 10_000;

interface RememberedAccess {
  permissions: ReadonlySet<Permission>;
  /** when the rights were read (taken before the read): revocations since forget them */
  readAt: number;
  until: number;
}

/**
 * What a user or robot that sent Basic credentials may do in a project, remembered for a minute,
 * so a client sending Basic credentials on every /v2 request costs what one with a docker token
 * does: no project or membership read per request. It is revoked as a token is: by the
 * principal's revocation epoch (disabled, deleted, password or secret changed, role or
 * membership changed) and by the project's (deleted, made private), both RevocationEpochs. Only
 * grants are trusted from it: a right it lacks is read again from the database, so a right given
 * meanwhile (a new member, a project made public) counts at once. While the revocation state
 * cannot be read, nothing remembered counts.
 */
@Injectable()
export class BasicAccessMemo {
  private readonly remembered = new Map<string, RememberedAccess>();

  constructor(private readonly revocations: RevocationEpochs) {}

  /**
   * Whether `principal` holds `permission` in project `project`: from memory when it was granted
   * and nothing revoked it since, else by `read` (the permission model, now), which is remembered.
   */
  async allows(principal: string, project: string, permission: Permission, read: () => Promise<ReadonlySet<Permission>>): Promise<boolean> {
    const key = `${principal}\0${project}`;
    const known = this.remembered.get(key);
    if (known && known.permissions.has(permission) && (await this.stillValid(principal, project, known))) return true;
    const readAt = Date.now();
    const permissions = await read();
    this.remember(key, { permissions, readAt, until: readAt + REMEMBER_MS });
    return permissions.has(permission);
  }

  private async stillValid(principal: string, project: string, known: RememberedAccess): Promise<boolean> {
    if (known.until <= Date.now()) return false;
    try {
      const [principalRevoked, projectRevoked] = await Promise.all([
        this.revocations.revokedSince(principal, known.readAt),
        this.revocations.projectAccessRevokedSince(project, known.readAt),
      ]);
      return !principalRevoked && !projectRevoked;
    } catch {
      // revocation state unknown (Redis): judged by the database, as token holders then are
      return false;
    }
  }

  private remember(key: string, access: RememberedAccess): void {
    this.remembered.delete(key);
    if (this.remembered.size >= REMEMBERED_MAX) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(key, access);
  }
}
