import { Injectable } from '@nestjs/common';
import { RegistryListingService } from '@wharf/artifacts';
import { ANONYMOUS } from '@wharf/iam';
import { ProjectService } from '@wharf/projects';
import { ProxyProjects, ProxyTags } from '@wharf/proxy-cache';
import { MediaType, parseDigest, type RepositoryName } from '@wharf/registry-core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pageSize, queryParams } from './http-headers';
import { registryCaller } from './registry-caller';

/** HTTP side of tags/list, _catalog and referrers. */
@Injectable()
export class ListingsHttp {
  constructor(
    private readonly listings: RegistryListingService,
    private readonly projects: ProjectService,
    private readonly proxies: ProxyProjects,
    private readonly proxyTags: ProxyTags,
  ) {}

  async tags(repository: RepositoryName, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { n, last } = queryParams(request);
    const size = pageSize(n);
    const proxy = await this.proxies.find(repository.project);
    const page = proxy ? await this.proxyTags.list(proxy, repository, size, last) : await this.listings.tags(repository.name, size, last);
    if (page.next) reply.header('link', nextLink(`/v2/${repository.name}/tags/list`, size, page.next));
    void reply.header('content-type', 'application/json').send(json({ name: repository.name, tags: page.items }));
  }

  async catalog(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { n, last } = queryParams(request);
    const size = pageSize(n);
    // system administrators see everything; everyone else what they may pull
    const principal = (await registryCaller(request).principal()) ?? ANONYMOUS;
    const page = await this.listings.catalog(size, last, await this.projects.pullableProjectIds(principal));
    if (page.next) reply.header('link', nextLink('/v2/_catalog', size, page.next));
    void reply.header('content-type', 'application/json').send(json({ repositories: page.items }));
  }

  async referrers(repository: RepositoryName, digest: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    parseDigest(digest);
    const { artifactType } = queryParams(request);
    const manifests = await this.listings.referrers(repository.name, digest, artifactType || undefined);
    if (artifactType) reply.header('oci-filters-applied', 'artifactType');
    void reply
      .header('content-type', MediaType.OciIndex)
      .send(json(RegistryListingService.referrersIndex(manifests)));
  }
}

// a Buffer keeps Content-Type exactly as set (Fastify appends a charset to string bodies)
function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function nextLink(path: string, n: number | undefined, last: string): string {
  const query = new URLSearchParams({ ...(n !== undefined ? { n: String(n) } : {}), last });
  return `<${path}?${query.toString()}>; rel="next"`;
}
