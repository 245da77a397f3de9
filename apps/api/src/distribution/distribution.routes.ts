import { Injectable } from '@nestjs/common';
import { EventOrigins } from '@wharf/events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { encodesNul } from '../http/refuse-nul-bytes.guard';
import { BlobsHttp } from './blobs.http';
import { distributionRoute, type DistributionRoute } from './distribution-route';
import { ListingsHttp } from './listings.http';
import { ManifestsHttp } from './manifests.http';
import { OciError } from './oci-error';
import { OciErrorResponder } from './oci-error-responder';
import { ProjectGate } from './project-gate';
import { RegistryAccess } from './registry-access';
import { UploadsHttp } from './uploads.http';

const WRITE_METHODS = ['POST', 'PATCH', 'PUT', 'DELETE'] as const;

/**
 * The OCI distribution endpoint, served as plain Fastify routes: /v2 is the registry's hot path
 * (a pull is a manifest HEAD or GET per image), and Nest's guard, interceptor and filter
 * pipeline cost more CPU per request than the work itself, so this class does their three jobs
 * directly: admit the caller (RegistryAccess), run the handler with the request's EventOrigin,
 * answer failures in the OCI error shape (OciErrorResponder). Everything Fastify-level (hooks,
 * access log, metrics, request id) applies as to any other route.
 *
 * Repository names contain slashes, so paths are matched by suffix in distributionRoute(); each
 * method hands the parsed route to its resource's handler.
 */
@Injectable()
export class DistributionRoutes {
  constructor(
    private readonly access: RegistryAccess,
    private readonly errors: OciErrorResponder,
    private readonly manifests: ManifestsHttp,
    private readonly blobs: BlobsHttp,
    private readonly uploads: UploadsHttp,
    private readonly listings: ListingsHttp,
    private readonly projects: ProjectGate,
  ) {}

  /** Adds /v2 (GET, HEAD: the base route, distributionRoute's `base`) and /v2/* (reads and writes) to `fastify`; before it starts listening. */
  register(fastify: FastifyInstance): void {
    // the handlers return nothing: each answers through `reply` itself (streams included), and a
    // returned promise would have Fastify send an empty answer of its own if it settled first
    for (const url of ['/v2', '/v2/*']) {
      fastify.route({ method: ['GET', 'HEAD'], url, handler: (request, reply) => void this.serve(request, reply, () => this.read(request, reply)) });
    }
    fastify.route({ method: [...WRITE_METHODS], url: '/v2/*', handler: (request, reply) => void this.serve(request, reply, () => this.write(request, reply)) });
  }

  /** Never rejects: every failure is answered in the OCI error shape. */
  private async serve(request: FastifyRequest, reply: FastifyReply, handle: () => Promise<void> | void): Promise<void> {
    try {
      if (encodesNul(request.url)) throw new OciError('UNSUPPORTED', 'the request URL contains a NUL character', undefined, 400);
      await this.access.admit(request);
      // the artifact events the handler writes carry where the request came from (the audit log derives from them)
      const userAgent = request.headers['user-agent'];
      await EventOrigins.run({ clientIp: request.ip, userAgent }, handle);
    } catch (error) {
      this.errors.send(error, request, reply);
    }
  }

  private async read(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const withBody = request.method === 'GET';
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

  private async write(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const route = await this.writableRoute(request);
    switch (request.method) {
      case 'POST':
        if (route.kind === 'uploads') return this.uploads.start(route.repository, request, reply);
        break;
      case 'PATCH':
        if (route.kind === 'upload') return this.uploads.patch(route.repository, route.uploadId, request, reply);
        break;
      case 'PUT':
        if (route.kind === 'upload') return this.uploads.finish(route.repository, route.uploadId, request, reply);
        if (route.kind === 'manifest') return this.manifests.put(route.repository, route.reference, request, reply);
        break;
      case 'DELETE':
        if (route.kind === 'upload') return this.uploads.cancel(route.repository, route.uploadId, reply);
        if (route.kind === 'manifest') return this.manifests.delete(route.repository, route.reference, request, reply);
        if (route.kind === 'blob') return this.blobs.delete(route.repository, route.digest, reply);
        break;
    }
    throw unsupported(request);
  }

  /** The route of a push or delete, refused (403) when it is into a proxy-cache project. */
  private async writableRoute(request: FastifyRequest): Promise<DistributionRoute> {
    const route = distributionRoute(request);
    if ('repository' in route) await this.projects.refuseWritesToProxy(route.repository);
    return route;
  }
}

function unsupported(request: FastifyRequest): OciError {
  return new OciError('UNSUPPORTED', `${request.method} is not supported here`, { path: request.url.split('?')[0] }, 405);
}
