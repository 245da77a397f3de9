import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { setPageHeaders } from '../management/pagination';
import { PolicyIdParams, PolicyListQuery, ReplicationPolicyRequest, type ReplicationPolicyResponse } from './replication.dto';
import { ReplicationManagementService } from './replication-management.service';

/** Harbor's /api/v2.0/replication/policies: `q` takes name (= or =~). */
@ManagementController('replication/policies')
export class ReplicationPoliciesController {
  constructor(private readonly replication: ReplicationManagementService) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PolicyListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReplicationPolicyResponse[]> {
    const { items, total } = await this.replication.listPolicies(principal, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  /** 201 with Location; 400 for an invalid policy, 409 for a name taken. */
  @Post()
  async create(@CurrentActor() actor: Actor, @Body() body: ReplicationPolicyRequest, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const id = await this.replication.createPolicy(actor, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${id}`);
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: PolicyIdParams): Promise<ReplicationPolicyResponse> {
    return this.replication.getPolicy(principal, params.id);
  }

  @Put(':id')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @Param() params: PolicyIdParams, @Body() body: ReplicationPolicyRequest): Promise<void> {
    await this.replication.updatePolicy(actor, params.id, body);
  }

  /** 412 while one of its executions runs. */
  @Delete(':id')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param() params: PolicyIdParams): Promise<void> {
    await this.replication.deletePolicy(actor, params.id);
  }
}
