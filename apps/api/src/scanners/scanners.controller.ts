import { Body, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, type Actor } from '../management/current-actor.decorator';
import { CurrentPrincipal } from '../management/current-principal.decorator';
import { ManagementController } from '../management/management-controller.decorator';
import { PageQuery, setPageHeaders } from '../management/pagination';
import { SelectedProject, type ProjectSelector } from '../projects/project-selector.decorator';
import {
  CreateScannerRequest, PingScannerRequest, ProjectScannerRequest, ScannerIdParams, SetDefaultScannerRequest, UpdateScannerRequest,
  type ScannerMetadataResponse, type ScannerResponse,
} from './scanner.dto';
import { ScannerManagementService } from './scanner-management.service';

/** Harbor's /api/v2.0/scanners: the registered scanner adapters (system administrators). */
@ManagementController('scanners')
export class ScannersController {
  constructor(private readonly scanners: ScannerManagementService) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ScannerResponse[]> {
    const { items, total } = await this.scanners.list(principal, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }

  /** 201 with Location; 400 when the adapter does not answer valid metadata with the credential. */
  @Post()
  async create(@CurrentActor() actor: Actor, @Body() body: CreateScannerRequest, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const created = await this.scanners.create(actor, body);
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${created.uuid}`);
  }

  @Post('ping')
  @HttpCode(200)
  async ping(@CurrentPrincipal() principal: Principal, @Body() body: PingScannerRequest): Promise<void> {
    await this.scanners.ping(principal, body);
  }

  @Get(':registration_id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: ScannerIdParams): Promise<ScannerResponse> {
    return this.scanners.get(principal, params.registration_id);
  }

  @Put(':registration_id')
  @HttpCode(200)
  async update(@CurrentActor() actor: Actor, @Param() params: ScannerIdParams, @Body() body: UpdateScannerRequest): Promise<void> {
    await this.scanners.update(actor, params.registration_id, body);
  }

  /** PATCH {"is_default": true} */
  @Patch(':registration_id')
  @HttpCode(200)
  async setDefault(@CurrentActor() actor: Actor, @Param() params: ScannerIdParams, @Body() body: SetDefaultScannerRequest): Promise<void> {
    await this.scanners.setDefault(actor, params.registration_id, body.is_default);
  }

  /** Answers the deleted registration, as Harbor does; 412 for the default one while others exist. */
  @Delete(':registration_id')
  @HttpCode(200)
  async delete(@CurrentActor() actor: Actor, @Param() params: ScannerIdParams): Promise<ScannerResponse> {
    return this.scanners.delete(actor, params.registration_id);
  }

  @Get(':registration_id/metadata')
  async metadata(@CurrentPrincipal() principal: Principal, @Param() params: ScannerIdParams): Promise<ScannerMetadataResponse> {
    return this.scanners.metadata(principal, params.registration_id);
  }
}

/** Harbor's /projects/{p}/scanner and .../scanner/candidates. */
@ManagementController('projects/:project_name_or_id/scanner')
export class ProjectScannerController {
  constructor(private readonly scanners: ScannerManagementService) {}

  @Get()
  async get(@CurrentPrincipal() principal: Principal, @SelectedProject() project: ProjectSelector): Promise<ScannerResponse | undefined> {
    return this.scanners.projectScanner(principal, project);
  }

  @Put()
  @HttpCode(200)
  async set(@CurrentActor() actor: Actor, @SelectedProject() project: ProjectSelector, @Body() body: ProjectScannerRequest): Promise<void> {
    await this.scanners.setProjectScanner(actor, project, body.uuid);
  }

  @Get('candidates')
  async candidates(
    @CurrentPrincipal() principal: Principal,
    @SelectedProject() project: ProjectSelector,
    @Query() query: PageQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ScannerResponse[]> {
    const { items, total } = await this.scanners.candidates(principal, project, query);
    setPageHeaders(request, reply, query, total);
    return items;
  }
}
