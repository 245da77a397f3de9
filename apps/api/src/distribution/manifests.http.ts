import { Injectable } from '@nestjs/common';
import { DeleteArtifactCommand, ManifestQueries, StoreManifestCommand, TagCommands } from '@wharf/artifacts';
import { ProxyManifests, ProxyProjects } from '@wharf/proxy-cache';
import { isDigest, MAX_MANIFEST_BYTES, type RepositoryName } from '@wharf/registry-core';
import { PullPolicy } from '@wharf/scanning';
import { OciError } from './oci-error';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProjectGate } from './project-gate';
import { registryCaller } from './registry-caller';

/**
 * HTTP side of /v2/<name>/manifests/<reference>. Pushes, pulls (GET, not HEAD) and deletes
 * write their events (libs/artifacts), and the audit log derives its entries from those. A GET
 * passes the project's pull policies (libs/scanning PullPolicy) before anything is served or
 * recorded.
 */
@Injectable()
export class ManifestsHttp {
  constructor(
    private readonly manifests: ManifestQueries,
    private readonly store: StoreManifestCommand,
    private readonly deletion: DeleteArtifactCommand,
    private readonly tags: TagCommands,
    private readonly projects: ProjectGate,
    private readonly proxies: ProxyProjects,
    private readonly proxyManifests: ProxyManifests,
    private readonly pullPolicy: PullPolicy,
  ) {}

  async get(repository: RepositoryName, reference: string, request: FastifyRequest, reply: FastifyReply, withBody: boolean): Promise<void> {
    const caller = registryCaller(request);
    const operator = caller.name;
    // a pull (GET) passes the project's policies first, as Harbor's middlewares run before its handler; HEAD does not (Harbor's HEAD route has none)
    if (withBody) await this.pullPolicy.check({ repository: repository.name, project: repository.project, reference, principal: () => caller.principal() });
    const proxy = await this.proxies.find(repository.project);
    if (proxy && withBody && (await this.pullPolicy.scansBeforeServe(repository.project))) {
      // cache it first (not a pull yet: nothing served, no pull recorded), then wait for its scan
      await this.proxyManifests.find(proxy, repository, reference, false, operator);
      await this.pullPolicy.awaitScanBeforeServe({ repository: repository.name, project: repository.project, reference, principal: () => caller.principal() });
    }
    const manifest = proxy
      ? await this.proxyManifests.find(proxy, repository, reference, withBody, operator)
      : await this.manifests.find(repository.name, reference, withBody, operator);
    void reply
      .status(200)
      .headers({
        'content-type': manifest.mediaType,
        'docker-content-digest': manifest.digest,
        etag: `"${manifest.digest}"`,
        'content-length': String(manifest.size),
      })
      .send(withBody ? manifest.body : undefined);
  }

  async put(repository: RepositoryName, reference: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const project = await this.projects.forPush(repository);
    const body = await readBounded(request, MAX_MANIFEST_BYTES);
    const tagParam = (request.query as { tag?: string | string[] }).tag;
    const extraTags = tagParam === undefined ? [] : Array.isArray(tagParam) ? tagParam : [tagParam];
    const pushed = await this.store.push(repository, project.id, reference, body, request.headers['content-type'], extraTags, registryCaller(request).name);
    void reply
      .status(201)
      .headers({
        location: `/v2/${repository.name}/manifests/${pushed.digest}`,
        'docker-content-digest': pushed.digest,
        'content-length': '0',
        ...(pushed.subject ? { 'oci-subject': pushed.subject } : {}),
        ...(extraTags.length ? { 'oci-tag': pushed.tags.join(', ') } : {}),
      })
      .send();
  }

  /**
   * By digest the artifact goes, deeply (tags, accessories, children nothing else keeps: the
   * same delete as the management API's and GC's); by tag only the tag does.
   */
  async delete(repository: RepositoryName, reference: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const operator = registryCaller(request).name;
    if (isDigest(reference)) await this.deletion.delete(repository.name, reference, 'registry', operator);
    else await this.tags.untag(repository.name, reference, operator);
    void reply.status(202).header('content-length', '0').send();
  }
}

/** Collects a request body up to `limit` bytes; a larger one is refused without reading it all. */
async function readBounded(request: FastifyRequest, limit: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    request.raw.resume();
    throw new OciError('SIZE_INVALID', `manifest exceeds ${limit} bytes`, { size: Number(declared) }, 413);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new OciError('SIZE_INVALID', `manifest exceeds ${limit} bytes`, undefined, 413);
    chunks.push(chunk as Buffer);
  }
  if (declared !== undefined && size !== Number(declared)) throw new OciError('SIZE_INVALID', 'body length does not match Content-Length');
  return Buffer.concat(chunks);
}
