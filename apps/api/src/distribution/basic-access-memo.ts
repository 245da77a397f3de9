import { Injectable } from '@nestjs/common';
import { EpochCheckedMemo, RevocationEpochs, type Permission } from '@wharf/iam';

/**
 * What a user or robot that sent Basic credentials may do in a project, remembered for a minute
 * (as long as a granted right is honoured without reading the database again; a docker token's
 * lasts its lifetime, 30 min by default), so a client sending Basic credentials on every /v2
 * request costs what one with a docker token does: no project or membership read per request. It
 * is revoked as a token is: by the principal's revocation epoch (disabled, deleted, password or
 * secret changed, role or membership changed) and by the project's (deleted, made private), both
 * RevocationEpochs (EpochCheckedMemo). Only grants are trusted from it: a right it lacks is read
 * again from the database, so a right given meanwhile (a new member, a project made public)
 * counts at once. While the revocation state cannot be read, nothing remembered counts.
 */
@Injectable()
export class BasicAccessMemo {
  private readonly memo: EpochCheckedMemo<{ principal: string; project: string }, ReadonlySet<Permission>>;

  constructor(revocations: RevocationEpochs) {
    this.memo = new EpochCheckedMemo({
      idOf: ({ principal, project }) => `${principal}\0${project}`,
      changedSince: ({ principal, project }, readAt) => [revocations.revokedSince(principal, readAt), revocations.projectAccessRevokedSince(project, readAt)],
    });
  }

  /**
   * Whether `principal` holds `permission` in project `project`: from memory when it was granted
   * and nothing revoked it since, else by `read` (the permission model, now), which is remembered.
   */
  async allows(principal: string, project: string, permission: Permission, read: () => Promise<ReadonlySet<Permission>>): Promise<boolean> {
    const permissions = await this.memo.get({ principal, project }, read, { usable: (granted) => granted.has(permission) });
    return permissions.has(permission);
  }
}
