import { Controller, Delete, Get, Head, Patch, Post, Put, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { OciError } from './oci-error';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BlobsHttp } from './blobs.http';
import { distributionRoute, type DistributionRoute } from './distribution-route';
import { ListingsHttp } from './listings.http';
import { ManifestsHttp } from './manifests.http';
import { OciExceptionFilter } from './oci-exception.filter';
import { ProjectGate } from './project-gate';
import { RegistryAccessGuard } from './registry-access.guard';
import { UploadsHttp } from './uploads.http';

/**
 * The OCI distribution endpoint. Repository names contain slashes, so routes are matched by
 * suffix in distributionRoute(); each method hands the parsed route to its resource's handler.
 */
@Controller('v2')
@ApiExcludeController() // OCI distribution, not the management API's OpenAPI document
@UseGuards(RegistryAccessGuard)
@UseFilters(OciExceptionFilter)
export class DistributionController {
  constructor(
    private readonly manifests: ManifestsHttp,
    private readonly blobs: BlobsHttp,
    private readonly uploads: UploadsHttp,
    private readonly listings: ListingsHttp,
    private readonly projects: ProjectGate,
  ) {}

  @Get()
  ping(@Res() reply: FastifyReply): void {
    void reply.header('content-type', 'application/json').send('{}');
  }

  @Head()
  pingHead(@Res() reply: FastifyReply): void {
    void reply.send();
  }

  @Get('*')
  async get(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.read(request, reply, true);
  }

  @Head('*')
  async head(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.read(request, reply, false);
  }

  @Post('*')
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const route = await this.writableRoute(request);
    if (route.kind === 'uploads') return this.uploads.start(route.repository, request, reply);
    throw unsupported(request);
  }

  @Patch('*')
  async patch(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const route = await this.writableRoute(request);
    if (route.kind === 'upload') return this.uploads.patch(route.repository, route.uploadId, request, reply);
    throw unsupported(request);
  }

  @Put('*')
  async put(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const route = await this.writableRoute(request);
    if (route.kind === 'upload') return this.uploads.finish(route.repository, route.uploadId, request, reply);
    if (route.kind === 'manifest') return this.manifests.put(route.repository, route.reference, request, reply);
    throw unsupported(request);
  }

  @Delete('*')
  async delete(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const route = await this.writableRoute(request);
    if (route.kind === 'upload') return this.uploads.cancel(route.repository, route.uploadId, reply);
    if (route.kind === 'manifest') return this.manifests.delete(route.repository, route.reference, request, reply);
    if (route.kind === 'blob') return this.blobs.delete(route.repository, route.digest, reply);
    throw unsupported(request);
  }

  /** The route of a push or delete, refused (403) when it is into a proxy-cache project. */
  private async writableRoute(request: FastifyRequest): Promise<DistributionRoute> {
    const route = distributionRoute(request);
    if ('repository' in route) await this.projects.refuseWritesToProxy(route.repository);
    return route;
  }

  private async read(request: FastifyRequest, reply: FastifyReply, withBody: boolean): Promise<void> {
    const route = distributionRoute(request);
    switch (route.kind) {
      case 'base':
        return void reply.header('content-type', 'application/json').send(withBody ? '{}' : undefined);
      case 'manifest':
        return this.manifests.get(route.repository, route.reference, request, reply, withBody);
      case 'blob':
        return this.blobs.get(route.repository, route.digest, request, reply, withBody);
      case 'upload':
        return this.uploads.status(route.repository, route.uploadId, reply);
      case 'tags':
        return this.listings.tags(route.repository, request, reply);
      case 'catalog':
        return this.listings.catalog(request, reply);
      case 'referrers':
        return this.listings.referrers(route.repository, route.digest, request, reply);
      default:
        throw unsupported(request);
    }
  }
}

function unsupported(request: FastifyRequest): OciError {
  return new OciError('UNSUPPORTED', `${request.method} is not supported here`, { path: request.url.split('?')[0] }, 405);
}
