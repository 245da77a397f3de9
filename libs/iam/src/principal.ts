/** Who is calling, once credentials have been checked. */
export type Principal = AnonymousPrincipal | UserPrincipal | RobotPrincipal;

export interface AnonymousPrincipal {
  kind: 'anonymous';
}

export interface UserPrincipal {
  kind: 'user';
  id: number;
  username: string;
  sysadmin: boolean;
}

export interface RobotAccess {
  resource: string;
  action: string;
}

export interface RobotPermissionGrant {
  kind: 'project';
  /** a project name, or '*' for every project (system robots only) */
  namespace: string;
  access: RobotAccess[];
}

/** A robot's grant as access decisions see it: by project id, so it never outlives its project. */
export interface RobotProjectGrant {
  /** null: every project (system robots only) */
  projectId: number | null;
  access: RobotAccess[];
}

export interface RobotPrincipal {
  kind: 'robot';
  id: number;
  /** the login name, robot$... */
  name: string;
  level: 'system' | 'project';
  projectId: number | null;
  grants: RobotProjectGrant[];
  /** unix ms after which the robot may no longer log in (absent: never); tokens end by then too */
  expiresAt?: number;
}

export const ANONYMOUS: AnonymousPrincipal = { kind: 'anonymous' };

export function principalName(principal: Principal): string {
  if (principal.kind === 'user') return principal.username;
  if (principal.kind === 'robot') return principal.name;
  return 'anonymous';
}

export const isSysadmin = (principal: Principal): boolean => principal.kind === 'user' && principal.sysadmin;
