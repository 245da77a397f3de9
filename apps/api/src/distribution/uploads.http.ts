import { Injectable } from '@nestjs/common';
import { BlobStore, UploadSessions, parseDigest, parseRepositoryName, type RepositoryName, type UploadSession } from '@wharf/registry-core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { chunkRange, contentLength, queryParams } from './http-headers';
import { ProjectGate } from './project-gate';
import { registryCaller } from './registry-caller';

/** HTTP side of /v2/<name>/blobs/uploads/: monolithic, POST-PUT and chunked uploads, mounts, status and cancel. */
@Injectable()
export class UploadsHttp {
  constructor(
    private readonly uploads: UploadSessions,
    private readonly blobs: BlobStore,
    private readonly projects: ProjectGate,
  ) {}

  async start(repository: RepositoryName, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const project = await this.projects.forPush(repository);
    const { digest, mount, from } = queryParams(request);
    // a refusal over quota becomes a QUOTA_EXCEED event naming these (the ledger writes it)
    const context = { repository: repository.name, operator: registryCaller(request).name };
    if (mount !== undefined) {
      parseDigest(mount);
      // without `from`, the blob is mounted when this project already has it; a mount that cannot be
      // served (unknown source, bad name) falls back to a normal upload, as the spec says
      const source = from ? safeRepositoryName(from) : repository;
      // mounting needs pull on the source too; without it the client uploads the blob instead
      const mayMount = source !== undefined && (source.project === repository.project || (await registryCaller(request).can(source.name, 'pull')));
      const mounted = source && mayMount ? await this.blobs.mount(source.project, project.id, mount, context) : null;
      if (mounted) return this.created(repository, mounted.digest, reply);
    } else if (digest !== undefined) {
      const blob = await this.blobs.putVerified(project.id, digest, request.raw, context, contentLength(request));
      return this.created(repository, blob.digest, reply);
    }
    request.raw.resume();
    const session = await this.uploads.start(project.id, repository.name, registryCaller(request).name);
    this.accepted(repository, session, reply, 202);
  }

  async status(repository: RepositoryName, uploadId: string, reply: FastifyReply): Promise<void> {
    const session = await this.uploads.get(repository.name, uploadId);
    this.accepted(repository, session, reply, 204);
  }

  async patch(repository: RepositoryName, uploadId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const session = await this.uploads.appendChunk(repository.name, uploadId, registryCaller(request).name, request.raw, chunkRange(request), contentLength(request));
    this.accepted(repository, session, reply, 202);
  }

  async finish(repository: RepositoryName, uploadId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { digest } = queryParams(request);
    const blob = await this.uploads.finish(repository.name, uploadId, registryCaller(request).name, digest, request.raw, chunkRange(request), contentLength(request));
    this.created(repository, blob.digest, reply);
  }

  async cancel(repository: RepositoryName, uploadId: string, reply: FastifyReply): Promise<void> {
    await this.uploads.cancel(repository.name, uploadId);
    void reply.status(204).send();
  }

  private created(repository: RepositoryName, digest: string, reply: FastifyReply): void {
    void reply
      .status(201)
      .headers({ location: `/v2/${repository.name}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': '0' })
      .send();
  }

  private accepted(repository: RepositoryName, session: UploadSession, reply: FastifyReply, status: number): void {
    void reply
      .status(status)
      .headers({
        location: `/v2/${repository.name}/blobs/uploads/${session.id}`,
        range: `0-${Math.max(session.size - 1, 0)}`,
        'docker-upload-uuid': session.id,
        'content-length': '0',
      })
      .send();
  }
}

function safeRepositoryName(name: string): RepositoryName | undefined {
  try {
    return parseRepositoryName(name);
  } catch {
    return undefined;
  }
}
