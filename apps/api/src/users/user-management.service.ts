import { Injectable } from '@nestjs/common';
import { ApiError } from '../management/api-error';
import { UserService, type Principal, type User } from '@wharf/iam';
import { auditActorOf } from '../management/audit-actor';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf } from '../management/pagination';
import { denied, requireAuthenticated, requireSysadmin } from '../management/project-authorizer';
import type { Actor } from '../management/current-actor.decorator';
import type { CreateUserRequest, PasswordRequest, UpdateUserProfileRequest, UserListQuery, UserSearchQuery } from './user.dto';

/** The administrator created on first start: Harbor never lets it be deleted or demoted. */
const FIRST_ADMIN_ID = 1;

/**
 * Who may do what with user accounts (Harbor's rules): system admins manage everyone; users
 * read and edit their own profile and password; nobody deletes themselves or the first admin.
 * Every change is audited by UserService, in the change's transaction.
 */
@Injectable()
export class UserManagementService {
  constructor(private readonly users: UserService) {}

  async create(actor: Actor, request: CreateUserRequest): Promise<User> {
    requireSysadmin(actor.principal);
    return this.users.create(request, {}, auditActorOf(actor));
  }

  async list(principal: Principal, query: UserListQuery): Promise<{ items: User[]; total: number }> {
    requireSysadmin(principal);
    const username = parseHarborQuery(query.q, ['username']).get('username');
    if (username && username.kind !== 'exact' && username.kind !== 'fuzzy') throw new ApiError('BAD_REQUEST', 'username takes name=value or name=~value');
    // `q` wins over the older `username` parameter, which always matched a substring
    const filter = username ? { username: username.value, exact: username.kind === 'exact' } : query.username ? { username: query.username, exact: false } : {};
    return this.users.list({ ...filter, sort: query.sort, offset: offsetOf(query), limit: query.page_size });
  }

  async search(principal: Principal, query: UserSearchQuery): Promise<{ items: User[]; total: number }> {
    requireAuthenticated(principal);
    return this.users.list({ username: query.username, offset: (query.page - 1) * query.page_size, limit: query.page_size });
  }

  /** Robots are not users: like Harbor, "current user" is a precondition failure for them. */
  async current(principal: Principal): Promise<User> {
    requireAuthenticated(principal);
    if (principal.kind !== 'user') throw new ApiError('PRECONDITION', 'the current user is only available to user accounts, not robot accounts');
    return this.users.get(principal.id);
  }

  async get(principal: Principal, id: number): Promise<User> {
    this.requireSelfOrSysadmin(principal, id, `you may not read user ${id}`);
    return this.users.get(id);
  }

  async updateProfile(actor: Actor, id: number, profile: UpdateUserProfileRequest): Promise<void> {
    this.requireSelfOrSysadmin(actor.principal, id, `you may not update user ${id}`);
    await this.users.updateProfile(id, profile, auditActorOf(actor));
  }

  /** Users prove they know their current password; a system admin resets someone else's without it. */
  async changePassword(actor: Actor, id: number, request: PasswordRequest): Promise<void> {
    this.requireSelfOrSysadmin(actor.principal, id, `you may not change the password of user ${id}`);
    const self = isSelf(actor.principal, id);
    if (self && request.old_password === undefined) throw new ApiError('BAD_REQUEST', 'old_password is required to change your own password');
    await this.users.changePassword(id, request.new_password, self ? request.old_password : undefined, auditActorOf(actor));
  }

  async setSysadmin(actor: Actor, id: number, sysadmin: boolean): Promise<void> {
    requireSysadmin(actor.principal);
    if (id === FIRST_ADMIN_ID && !sysadmin) throw new ApiError('FORBIDDEN', `user ${id} is the first administrator and stays one`);
    await this.users.setSysadmin(id, sysadmin, auditActorOf(actor));
  }

  async delete(actor: Actor, id: number): Promise<void> {
    requireSysadmin(actor.principal);
    if (id === FIRST_ADMIN_ID || isSelf(actor.principal, id)) throw new ApiError('FORBIDDEN', `user ${id} cannot be deleted`);
    await this.users.delete(id, auditActorOf(actor));
  }

  private requireSelfOrSysadmin(principal: Principal, id: number, message: string): void {
    requireAuthenticated(principal);
    if (isSelf(principal, id) || (principal.kind === 'user' && principal.sysadmin)) return;
    throw denied(principal, message);
  }
}

const isSelf = (principal: Principal, id: number): boolean => principal.kind === 'user' && principal.id === id;
