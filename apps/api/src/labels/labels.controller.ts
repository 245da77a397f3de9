import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { setPageHeaders } from '../management/pagination';
import { CreateLabelRequest, LabelListQuery, LabelParams, UpdateLabelRequest, type LabelResponse } from './label.dto';
import { LabelManagementService } from './label-management.service';

/** Harbor's /api/v2.0/labels: global (scope g) and project (scope p) labels. */
@ManagementController('labels')
export class LabelsController {
  constructor(private readonly labels: LabelManagementService) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: LabelListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LabelResponse[]> {
    const { items, total } = await this.labels.list(principal, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  @Post()
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateLabelRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const label = await this.labels.create(principal, body);
    void reply.header('location', `/api/v2.0/labels/${label.id}`);
  }

  @Get(':label_id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: LabelParams): Promise<LabelResponse> {
    return this.labels.get(principal, params.label_id);
  }

  @Put(':label_id')
  @HttpCode(200)
  async update(@CurrentPrincipal() principal: Principal, @Param() params: LabelParams, @Body() body: UpdateLabelRequest): Promise<void> {
    await this.labels.update(principal, params.label_id, body);
  }

  @Delete(':label_id')
  @HttpCode(200)
  async delete(@CurrentPrincipal() principal: Principal, @Param() params: LabelParams): Promise<void> {
    await this.labels.delete(principal, params.label_id);
  }
}
