import { Injectable } from '@nestjs/common';
import { ApiError } from './api-error';
import { ProjectAccess, type Permission, type Principal } from '@wharf/iam';
import { ProjectService, type Project } from '@wharf/projects';

/**
 * Management-API access decisions on a project. A caller with no permission at all in a private
 * project gets the same 404 as for a project that does not exist (its existence is not revealed); one
 * who may read it but not do the action gets 403 (401 when anonymous).
 */
@Injectable()
export class ProjectAuthorizer {
  constructor(
    private readonly projects: ProjectService,
    private readonly access: ProjectAccess,
  ) {}

  async require(principal: Principal, nameOrId: string, wanted: Permission, isResourceName = false): Promise<{ project: Project; permissions: ReadonlySet<Permission> }> {
    const project = await this.projects.get(nameOrId, isResourceName);
    const permissions = await this.access.permissions(principal, project && ProjectService.accessView(project));
    // holding any permission in a project reveals that it exists (robots rarely hold project:read)
    if (!project || permissions.size === 0) throw new ApiError('NOT_FOUND', `project ${nameOrId} not found`);
    if (!permissions.has(wanted)) throw denied(principal, `you may not ${describe(wanted)} in project ${project.name}`);
    return { project, permissions };
  }
}

/** 401 for anonymous callers (they may log in), 403 for everyone else. */
export function denied(principal: Principal, message: string): ApiError {
  return principal.kind === 'anonymous' ? new ApiError('UNAUTHORIZED', 'authentication required') : new ApiError('FORBIDDEN', message);
}

export function requireSysadmin(principal: Principal): void {
  if (principal.kind === 'user' && principal.sysadmin) return;
  throw denied(principal, 'only a system administrator may do this');
}

export function requireAuthenticated(principal: Principal): void {
  if (principal.kind === 'anonymous') throw new ApiError('UNAUTHORIZED', 'authentication required');
}

function describe(permission: Permission): string {
  const [resource, action] = permission.split(':');
  return `${action} ${resource}`;
}
