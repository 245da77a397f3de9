import { Injectable } from '@nestjs/common';
import type { AppConfig } from '@wharf/config';
import { DomainError, TooManyRequestsError, UnavailableError } from '@wharf/errors';
import type { RepositoryName } from '@wharf/registry-core';
import { WharfMetrics } from '@wharf/metrics';
import { RegistryService, UpstreamAuthError, UpstreamError, UpstreamProtocolError, UpstreamUnavailableError, type UpstreamRegistry } from '@wharf/registries';
import type { ProxyProject } from './proxy-project';
import { UpstreamCoordination, type SharedFailure } from './upstream-coordination';

/** What a proxy project asks its upstream, the label of wharf_proxy_cache_upstream_requests_total. */
export type UpstreamOperation = 'manifest_head' | 'manifest_get' | 'blob_head' | 'blob_get' | 'tags_list';

/** One upstream request on behalf of a proxy project: the client, the name there, and the slot to give back. */
export interface UpstreamCall {
  upstream: UpstreamRegistry;
  /** the repository's name on the upstream (`<project>/<path>` -> `<path>`, mapped by the endpoint type) */
  name: string;
  release(): Promise<void>;
}

/**
 * Opens upstream requests for proxy projects: resolves the project's endpoint and counts the
 * request against the project's max_upstream_conn (429 beyond it, across replicas).
 */
@Injectable()
export class ProxyUpstreams {
  constructor(
    private readonly registries: RegistryService,
    private readonly coordination: UpstreamCoordination,
    private readonly metrics: WharfMetrics,
  ) {}

  async open(project: ProxyProject, repository: RepositoryName, operation: UpstreamOperation): Promise<UpstreamCall> {
    const upstream = await this.registries.upstream(project.registryId);
    const release = await this.coordination.acquireSlot(`project:${project.id}`, project.maxUpstreamConnections);
    if (!release) {
      throw new TooManyRequestsError(`project ${project.name} already has ${project.maxUpstreamConnections} upstream requests open (max_upstream_conn); retry shortly`, {
        retryAfterSeconds: 1,
      });
    }
    this.metrics.proxyUpstreamRequests.inc({ endpoint: String(project.registryId), operation });
    return { upstream, name: upstream.upstreamName(pathInProject(repository)), release };
  }

  /** `work` with an upstream call that is released when it settles. */
  async with<T>(project: ProxyProject, repository: RepositoryName, operation: UpstreamOperation, work: (call: UpstreamCall) => Promise<T>): Promise<T> {
    const call = await this.open(project, repository, operation);
    try {
      return await work(call);
    } finally {
      await call.release();
    }
  }
}

/** How long requests waiting for a shared upstream answer wait: the upstream's own timeout, and some. */
export function upstreamWaitMs(config: AppConfig): number {
  return config.PROXY_UPSTREAM_TIMEOUT_SECONDS * 1000 + 5_000;
}

/** `<project>/<path>` -> `<path>`. */
export function pathInProject(repository: RepositoryName): string {
  return repository.name.slice(repository.project.length + 1);
}

/** The client's answer when the upstream failed and there is no local copy to serve. */
export function upstreamFailure(project: ProxyProject, error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof UpstreamUnavailableError) {
    return new UnavailableError(`the upstream registry of proxy project ${project.name} is unavailable (${error.message}) and nothing is cached`);
  }
  if (error instanceof UpstreamAuthError) {
    return new UnavailableError(`the upstream registry of proxy project ${project.name} refused the endpoint's credential`, { reason: 'bad-upstream' });
  }
  if (error instanceof UpstreamProtocolError) {
    return new UnavailableError(`the upstream registry of proxy project ${project.name} answered badly: ${error.message}`, { reason: 'bad-upstream' });
  }
  return error as DomainError;
}

/** An upstream failure another replica saw, as the same kind of error (see UpstreamCoordination.shared). */
export function reviveUpstreamError(failure: SharedFailure): Error {
  switch (failure.name) {
    case UpstreamUnavailableError.name:
      return new UpstreamUnavailableError(failure.message, failure.status);
    case UpstreamAuthError.name:
      return new UpstreamAuthError(failure.message, failure.status);
    case UpstreamProtocolError.name:
      return new UpstreamProtocolError(failure.message, failure.status);
    default:
      // a refusal of this registry's own (a project at its max_upstream_conn, an unusable answer)
      if (failure.kind === 'too-many-requests') return new TooManyRequestsError(failure.message);
      if (failure.kind) return new UnavailableError(failure.message, { reason: failure.reason === 'bad-upstream' ? 'bad-upstream' : 'transient' });
      return new UpstreamUnavailableError(failure.message, failure.status);
  }
}

/**
 * Errors after which the local copy is served: the upstream is down, slow, overloaded, refusing
 * us or answering badly, or this project is at its own max_upstream_conn.
 */
export function localCopyMaySubstitute(error: unknown): boolean {
  return error instanceof UpstreamError || error instanceof TooManyRequestsError || error instanceof UnavailableError;
}
