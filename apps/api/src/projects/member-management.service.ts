import { Injectable } from '@nestjs/common';
import { ApiError } from '@wharf/errors';
import {
  MemberService,
  permissionsBeyond,
  ROLE_NAMES,
  ROLE_PERMISSIONS,
  UserService,
  type Permission,
  type Principal,
  type ProjectMember,
  type ProjectRoleId,
  type User,
} from '@wharf/iam';
import { auditActorOf } from '../management/audit-actor';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf } from '../management/pagination';
import { ProjectAuthorizer } from '../management/project-authorizer';
import type { Actor } from '../management/current-actor.decorator';
import type { CreateMemberRequest, MemberListQuery, MemberUserRequest } from './member.dto';
import type { ProjectSelector } from './project-selector.decorator';

/**
 * /projects/{p}/members: users' roles in a project. Callers never change or remove their own
 * membership (as in Harbor): a project admin cannot lock themself out, or the project out of
 * its last admin, by accident. Nobody grants a role that may do more than they may, nor changes
 * or removes a member who may do more; robots never grant roles at all (a robot holding
 * member:create would otherwise make anyone projectAdmin). MemberService audits every change in its transaction.
 */
@Injectable()
export class MemberManagementService {
  constructor(
    private readonly members: MemberService,
    private readonly users: UserService,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  async list(principal: Principal, selector: ProjectSelector, query: MemberListQuery): Promise<{ items: ProjectMember[]; total: number }> {
    // Harbor's member list takes no q; refuse it rather than ignore a filter the caller believes applies
    parseHarborQuery(query.q, []);
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'member:list', selector.isResourceName);
    return this.members.list(project.project_id, { entityName: query.entityname, offset: offsetOf(query), limit: query.page_size });
  }

  async add(actor: Actor, selector: ProjectSelector, request: CreateMemberRequest): Promise<ProjectMember> {
    const { project, permissions } = await this.authorizer.require(actor.principal, selector.nameOrId, 'member:create', selector.isResourceName);
    refuseGrant(actor.principal, permissions, request.role_id);
    const user = await this.findUser(request.member_user);
    return this.members.add(project.project_id, user.user_id, request.role_id, auditActorOf(actor));
  }

  async get(principal: Principal, selector: ProjectSelector, memberId: number): Promise<ProjectMember> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'member:read', selector.isResourceName);
    return this.members.get(project.project_id, memberId);
  }

  async updateRole(actor: Actor, selector: ProjectSelector, memberId: number, role: ProjectRoleId): Promise<void> {
    const { project, permissions } = await this.authorizer.require(actor.principal, selector.nameOrId, 'member:update', selector.isResourceName);
    refuseGrant(actor.principal, permissions, role);
    const member = await this.members.get(project.project_id, memberId);
    refuseOwnMembership(actor.principal, member, 'change your own role');
    refuseStrongerMember(permissions, member, 'change the role of');
    await this.members.updateRole(project.project_id, memberId, role, auditActorOf(actor));
  }

  async remove(actor: Actor, selector: ProjectSelector, memberId: number): Promise<void> {
    const { project, permissions } = await this.authorizer.require(actor.principal, selector.nameOrId, 'member:delete', selector.isResourceName);
    const member = await this.members.get(project.project_id, memberId);
    refuseOwnMembership(actor.principal, member, 'remove yourself from the project');
    refuseStrongerMember(permissions, member, 'remove');
    await this.members.remove(project.project_id, memberId, auditActorOf(actor));
  }

  /** By id, or by name; both given must be the same user. Unknown: 404. */
  private async findUser(request: MemberUserRequest): Promise<User> {
    if (request.user_id !== undefined) {
      const user = await this.users.get(request.user_id);
      if (request.username !== undefined && request.username !== user.username) throw new ApiError('BAD_REQUEST', 'member_user.user_id and member_user.username name different users');
      return user;
    }
    if (request.username === undefined) throw new ApiError('BAD_REQUEST', 'member_user needs a user_id or a username');
    const user = await this.users.findByName(request.username);
    if (!user) throw new ApiError('NOT_FOUND', `user ${request.username} not found`);
    return user;
  }
}

/** System admins hold every right whatever their role, so only they may. */
function refuseOwnMembership(principal: Principal, member: ProjectMember, what: string): void {
  if (principal.kind === 'user' && !principal.sysadmin && member.entity_id === principal.id) {
    throw new ApiError('FORBIDDEN', `you may not ${what}; ask another project admin`);
  }
}

/** Robots never hand out roles; anyone else only roles that may do no more than they may. */
function refuseGrant(principal: Principal, held: ReadonlySet<Permission>, role: ProjectRoleId): void {
  if (principal.kind === 'robot') throw new ApiError('FORBIDDEN', 'robot accounts may not grant project roles');
  const beyond = permissionsBeyond(ROLE_PERMISSIONS[role], held);
  if (beyond.length) throw new ApiError('FORBIDDEN', `you may not grant the ${ROLE_NAMES[role]} role: it holds permissions you do not hold (${beyond.join(', ')})`);
}

function refuseStrongerMember(held: ReadonlySet<Permission>, member: ProjectMember, what: string): void {
  if (permissionsBeyond(ROLE_PERMISSIONS[member.role_id], held).length) {
    throw new ApiError('FORBIDDEN', `you may not ${what} ${member.entity_name}: their ${member.role_name} role may do more than you may`);
  }
}
