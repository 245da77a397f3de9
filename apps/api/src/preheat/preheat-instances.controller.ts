import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { ProviderMetadata } from '@wharf/preheat';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import { PingPreheatInstanceRequest, PreheatInstanceParams, PreheatInstanceRequest, type PreheatInstanceResponse } from './preheat.dto';
import { PreheatManagementService } from './preheat-management.service';

/** Harbor's /api/v2.0/p2p/preheat: providers and their instances (system administrators); `q` takes name (= or =~). */
@ManagementController('p2p/preheat')
export class PreheatInstancesController {
  constructor(private readonly preheat: PreheatManagementService) {}

  @Get('providers')
  providers(@CurrentPrincipal() principal: Principal): ProviderMetadata[] {
    return this.preheat.providers(principal);
  }

  @Post('instances/ping')
  @HttpCode(200)
  async ping(@CurrentPrincipal() principal: Principal, @Body() body: PingPreheatInstanceRequest): Promise<void> {
    await this.preheat.ping(principal, body);
  }

  @Get('instances')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PreheatInstanceResponse[]> {
    const { items, total } = await this.preheat.listInstances(principal, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Post('instances')
  async create(@CurrentActor() actor: Actor, @Body() body: PreheatInstanceRequest, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const instance = await this.preheat.createInstance(actor, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${encodeURIComponent(instance.name)}`);
  }

  @Get('instances/:preheat_instance_name')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: PreheatInstanceParams): Promise<PreheatInstanceResponse> {
    return this.preheat.getInstance(principal, params.preheat_instance_name);
  }

  @Put('instances/:preheat_instance_name')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @Param() params: PreheatInstanceParams, @Body() body: PreheatInstanceRequest): Promise<void> {
    await this.preheat.updateInstance(actor, params.preheat_instance_name, body);
  }

  @Delete('instances/:preheat_instance_name')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param() params: PreheatInstanceParams): Promise<void> {
    await this.preheat.deleteInstance(actor, params.preheat_instance_name);
  }
}
