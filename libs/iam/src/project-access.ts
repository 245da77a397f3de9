import { Injectable } from '@nestjs/common';
import { MemberService } from './member.service';
import type { Principal, RobotPrincipal } from './principal';
import { accessPermissions, ALL_PERMISSIONS, PUBLIC_PROJECT_PERMISSIONS, ROLE_PERMISSIONS, type Permission } from './rbac';

/** What access decisions need to know about a project. */
export interface AccessProject {
  id: number;
  name: string;
  public: boolean;
}

const NONE: ReadonlySet<Permission> = new Set();

/**
 * The one permission model, used by /v2 (Basic and token scopes) and by the management API:
 * system admins may do everything; users get their member role's set; robots get exactly what
 * their grants for this project (by id, never by name) or for every project list; everyone gets
 * the read set of a public project.
 */
@Injectable()
export class ProjectAccess {
  constructor(private readonly members: MemberService) {}

  async permissions(principal: Principal, project: AccessProject | null): Promise<ReadonlySet<Permission>> {
    if (!project) return NONE;
    if (principal.kind === 'user' && principal.sysadmin) return ALL_PERMISSIONS;
    const base = project.public ? PUBLIC_PROJECT_PERMISSIONS : NONE;
    if (principal.kind === 'user') {
      const role = await this.members.roleOf(principal.id, project.id);
      if (role === null) return base;
      return new Set([...base, ...ROLE_PERMISSIONS[role]]);
    }
    if (principal.kind === 'robot') {
      return new Set([...base, ...robotPermissionsIn(principal, project.id)]);
    }
    return base;
  }

  async can(principal: Principal, project: AccessProject | null, wanted: Permission): Promise<boolean> {
    return (await this.permissions(principal, project)).has(wanted);
  }
}

/** What a robot's own grants allow in a project (public-project rights aside). */
export function robotPermissionsIn(robot: RobotPrincipal, projectId: number): Permission[] {
  if (robot.level === 'project' && robot.projectId !== projectId) return [];
  return robot.grants
    .filter((grant) => grant.projectId === projectId || (grant.projectId === null && robot.level === 'system'))
    .flatMap((grant) => accessPermissions(grant.access));
}
