import { Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { ProxyBlobs, ProxyProjects, type ProxiedBlob } from '@wharf/proxy-cache';
import { BlobStore, parseDigest, type RepositoryName } from '@wharf/registry-core';
import { OciError } from './oci-error';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readRange } from './http-headers';

const PRESIGNED_URL_TTL_SECONDS = 20 * 60;

/** HTTP side of /v2/<name>/blobs/<digest>: HEAD, GET (with Range or a redirect to storage) and DELETE. */
@Injectable()
export class BlobsHttp {
  constructor(
    private readonly blobs: BlobStore,
    private readonly config: AppConfig,
    private readonly proxies: ProxyProjects,
    private readonly proxyBlobs: ProxyBlobs,
  ) {}

  async get(repository: RepositoryName, digest: string, request: FastifyRequest, reply: FastifyReply, withBody: boolean): Promise<void> {
    parseDigest(digest);
    let blob = await this.blobs.findInProject(repository.project, digest);
    if (blob) {
      // a proxy-cache hit when the project is a proxy-cache project
      await this.proxyBlobs.countLocalRead(repository.project);
    } else {
      const proxy = await this.proxies.find(repository.project);
      if (proxy) {
        // a plain GET takes the bytes as they arrive; HEAD and Range wait until the blob is stored
        const fetched = await this.proxyBlobs.fetch(proxy, repository, digest, withBody && request.headers.range === undefined);
        if (fetched.kind === 'streaming') return this.sendStreaming(fetched, reply);
        blob = fetched.blob;
      }
    }
    // a HEAD is how a pushing client decides not to upload a blob: touch it, so a running GC keeps
    // it for the manifest that follows (GETs are pulls and stay read-only)
    const present = blob && (withBody || (await this.blobs.touch([blob.digest])).size > 0);
    if (!blob || !present) throw new OciError('BLOB_UNKNOWN', 'blob unknown to registry', { digest });
    const headers = { 'docker-content-digest': blob.digest, 'accept-ranges': 'bytes', etag: `"${blob.digest}"` };
    const ranged = readRange(request.headers.range, blob.size);
    if (ranged && 'unsatisfiable' in ranged) {
      throw new OciError('BLOB_UNKNOWN', 'requested range not satisfiable', { size: blob.size }, 416, { 'content-range': `bytes */${blob.size}` });
    }
    if (withBody && this.config.STORAGE_REDIRECT && !ranged) {
      const url = await this.blobs.presignedUrl(blob.digest, PRESIGNED_URL_TTL_SECONDS);
      if (url) return void reply.status(307).headers({ ...headers, location: url }).send();
    }
    const range = ranged?.range;
    const length = range ? range.end - range.start + 1 : blob.size;
    void reply.status(range ? 206 : 200).headers({
      ...headers,
      'content-type': 'application/octet-stream',
      'content-length': String(length),
      ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${blob.size}` } : {}),
    });
    if (!withBody) return void reply.send();
    const stream = await this.blobs.read(blob.digest, range);
    return void reply.send(stream);
  }

  private sendStreaming(fetched: Extract<ProxiedBlob, { kind: 'streaming' }>, reply: FastifyReply): void {
    void reply
      .status(200)
      .headers({
        'docker-content-digest': fetched.digest,
        'accept-ranges': 'bytes',
        etag: `"${fetched.digest}"`,
        'content-type': 'application/octet-stream',
        'content-length': String(fetched.size),
      })
      .send(fetched.stream);
  }

  async delete(repository: RepositoryName, digest: string, reply: FastifyReply): Promise<void> {
    parseDigest(digest);
    if (!(await this.blobs.unlinkFromProject(repository.project, digest))) {
      throw new OciError('BLOB_UNKNOWN', 'blob unknown to registry', { digest });
    }
    void reply.status(202).header('content-length', '0').send();
  }
}
