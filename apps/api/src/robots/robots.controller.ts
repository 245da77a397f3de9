import { Body, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { setPageHeaders } from '../management/pagination';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CreateRobotRequest, RefreshSecretRequest, RobotIdParams, RobotListQuery, toRobotResponse, UpdateRobotRequest, type RobotCreatedResponse, type RobotResponse } from './robot.dto';
import { RobotManagementService } from './robot-management.service';

/** Harbor 2.2's /api/v2.0/robots: system and project robot accounts. */
@ManagementController('robots')
export class RobotsController {
  constructor(private readonly robots: RobotManagementService) {}

  @Post()
  async create(
    @CurrentActor() actor: Actor,
    @Body() body: CreateRobotRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RobotCreatedResponse> {
    const { robot, secret } = await this.robots.create(actor, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${robot.id}`);
    return { id: robot.id, name: robot.name, secret, creation_time: robot.creation_time, expires_at: robot.expires_at };
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: RobotListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RobotResponse[]> {
    const { items, total } = await this.robots.list(principal, query);
    setPageHeaders(request, reply, query, total);
    return items.map(toRobotResponse);
  }

  @Get(':robot_id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: RobotIdParams): Promise<RobotResponse> {
    return toRobotResponse(await this.robots.get(principal, params.robot_id));
  }

  @Put(':robot_id')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @Param() params: RobotIdParams, @Body() body: UpdateRobotRequest): Promise<void> {
    await this.robots.update(actor, params.robot_id, body);
  }

  @Patch(':robot_id')
  @HttpCode(200)
  async refreshSecret(@CurrentActor() actor: Actor, @Param() params: RobotIdParams, @Body() body: RefreshSecretRequest): Promise<{ secret?: string }> {
    return this.robots.refreshSecret(actor, params.robot_id, body.secret);
  }

  @Delete(':robot_id')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param() params: RobotIdParams): Promise<void> {
    await this.robots.delete(actor, params.robot_id);
  }
}
