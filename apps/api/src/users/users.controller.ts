import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { setPageHeaders } from '../management/pagination';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import {
  CreateUserRequest,
  PasswordRequest,
  SysadminFlagRequest,
  toUserResponse,
  UpdateUserProfileRequest,
  UserIdParams,
  UserListQuery,
  UserSearchQuery,
  type UserResponse,
  type UserSearchItem,
} from './user.dto';
import { UserManagementService } from './user-management.service';

/** Harbor's /api/v2.0/users: accounts of the database auth mode. */
@ManagementController('users')
export class UsersController {
  constructor(private readonly users: UserManagementService) {}

  @Post()
  async create(@CurrentActor() actor: Actor, @Body() body: CreateUserRequest, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const user = await this.users.create(actor, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${user.user_id}`);
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: UserListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserResponse[]> {
    const { items, total } = await this.users.list(principal, query);
    setPageHeaders(request, reply, query, total);
    return items.map(toUserResponse);
  }

  @Get('search')
  async search(
    @CurrentPrincipal() principal: Principal,
    @Query() query: UserSearchQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserSearchItem[]> {
    const { items, total } = await this.users.search(principal, query);
    setPageHeaders(request, reply, query, total);
    return items.map((user) => ({ user_id: user.user_id, username: user.username }));
  }

  @Get('current')
  async current(@CurrentPrincipal() principal: Principal): Promise<UserResponse> {
    return toUserResponse(await this.users.current(principal));
  }

  @Get(':user_id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: UserIdParams): Promise<UserResponse> {
    return toUserResponse(await this.users.get(principal, params.user_id));
  }

  @Put(':user_id')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @Param() params: UserIdParams, @Body() body: UpdateUserProfileRequest): Promise<void> {
    await this.users.updateProfile(actor, params.user_id, body);
  }

  @Delete(':user_id')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param() params: UserIdParams): Promise<void> {
    await this.users.delete(actor, params.user_id);
  }

  @Put(':user_id/password')
  @HttpCode(200)
  async changePassword(@CurrentActor() actor: Actor, @Param() params: UserIdParams, @Body() body: PasswordRequest): Promise<void> {
    await this.users.changePassword(actor, params.user_id, body);
  }

  @Put(':user_id/sysadmin')
  @HttpCode(200)
  async setSysadmin(@CurrentActor() actor: Actor, @Param() params: UserIdParams, @Body() body: SysadminFlagRequest): Promise<void> {
    await this.users.setSysadmin(actor, params.user_id, body.sysadmin_flag);
  }
}
