import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { setPageHeaders } from '../management/pagination';
import { CreateRegistryRequest, PingRegistryRequest, RegistryIdParams, RegistryListQuery, UpdateRegistryRequest, type RegistryResponse } from './registry.dto';
import { RegistryManagementService } from './registry-management.service';

/** Harbor's /api/v2.0/registries: the upstream endpoints of proxy-cache projects; `q` takes name (= or =~). */
@ManagementController('registries')
export class RegistriesController {
  constructor(private readonly registries: RegistryManagementService) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: RegistryListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RegistryResponse[]> {
    const { items, total } = await this.registries.list(principal, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Body() body: CreateRegistryRequest, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const endpoint = await this.registries.create(actor, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${endpoint.id}`);
  }

  /** 200 when the endpoint answers with its credential, 400 with the reason otherwise. */
  @Post('ping')
  @HttpCode(200)
  async ping(@CurrentPrincipal() principal: Principal, @Body() body: PingRegistryRequest): Promise<void> {
    await this.registries.ping(principal, body);
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: RegistryIdParams): Promise<RegistryResponse> {
    return this.registries.get(principal, params.id);
  }

  @Put(':id')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @Param() params: RegistryIdParams, @Body() body: UpdateRegistryRequest): Promise<void> {
    await this.registries.update(actor, params.id, body);
  }

  /** 412 while a project (or another user of the endpoint) refers to it. */
  @Delete(':id')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param() params: RegistryIdParams): Promise<void> {
    await this.registries.delete(actor, params.id);
  }
}
