import { Injectable } from '@nestjs/common';
import { ManifestQueries, StoreManifestCommand, TagCommands, type StoredManifest } from '@wharf/artifacts';
import { AppConfig } from '@wharf/config';
import { InvalidError, NotFoundError, UnavailableError } from '@wharf/errors';
import { isDigest, type RepositoryName } from '@wharf/registry-core';
import type { ProxyProject } from './proxy-project';
import { WharfMetrics } from '@wharf/metrics';
import { ProxyUpstreams, localCopyMaySubstitute, reviveUpstreamError, upstreamFailure, upstreamWaitMs } from './proxy-upstreams';
import { UpstreamCoordination } from './upstream-coordination';

/**
 * Manifests of a proxy-cache project (ARCHITECTURE.md, "Proxy cache"). By tag: one upstream
 * HEAD, shared by concurrent requests on every replica; the local copy is served when the
 * digest matches, fetched (GET) and stored when it changed, served as it is when the upstream
 * fails. By digest: local when present, else fetched. Once the local state is right, the
 * manifest is served like any other (cache, pull time, pull event).
 */
@Injectable()
export class ProxyManifests {
  constructor(
    private readonly upstreams: ProxyUpstreams,
    private readonly coordination: UpstreamCoordination,
    private readonly store: StoreManifestCommand,
    private readonly tags: TagCommands,
    private readonly manifests: ManifestQueries,
    private readonly config: AppConfig,
    private readonly metrics: WharfMetrics,
  ) {}

  async find(project: ProxyProject, repository: RepositoryName, reference: string, isPull: boolean, operator: string): Promise<StoredManifest> {
    return isDigest(reference) ? this.byDigest(project, repository, reference, isPull, operator) : this.byTag(project, repository, reference, isPull, operator);
  }

  private async byDigest(project: ProxyProject, repository: RepositoryName, digest: string, isPull: boolean, operator: string): Promise<StoredManifest> {
    const local = await this.local(repository, digest, isPull, operator);
    this.count(local !== null);
    if (local) return local;
    const found = await this.fetchOnce(project, repository, digest).catch((error: unknown) => {
      throw upstreamFailure(project, error);
    });
    if (!found) throw new NotFoundError('manifest', 'manifest unknown to registry or its upstream', { details: { name: repository.name, reference: digest } });
    return this.manifests.find(repository.name, digest, isPull, operator);
  }

  private async byTag(project: ProxyProject, repository: RepositoryName, tag: string, isPull: boolean, operator: string): Promise<StoredManifest> {
    const local = await this.local(repository, tag, false, operator);
    const serveLocal = () => this.manifests.find(repository.name, tag, isPull, operator);
    const freshKey = `fresh:${repository.name}:${tag}`;
    if (local && project.freshnessSeconds > 0 && (await this.coordination.marked(freshKey)) === local.digest) {
      this.count(true);
      return serveLocal();
    }

    let upstreamDigest: string | null;
    try {
      // the whole check (HEAD, and the GET when the tag moved) is shared by the requests that
      // arrive while it runs, on any replica
      upstreamDigest = await this.coordination.shared(
        `tag:${project.registryId}:${repository.name}:${tag}`,
        this.waitMs(),
        () => this.refreshTag(project, repository, tag),
        reviveUpstreamError,
      );
    } catch (error) {
      if (local && localCopyMaySubstitute(error)) {
        this.count(true);
        return serveLocal();
      }
      throw upstreamFailure(project, error);
    }
    // the local copy is what the upstream has: served without a transfer
    this.count(upstreamDigest !== null && local?.digest === upstreamDigest);
    if (upstreamDigest === null) {
      if (local && project.keepOnUpstream404) return serveLocal();
      throw new NotFoundError('manifest', `the upstream registry does not have ${tag}`, { details: { name: repository.name, reference: tag } });
    }
    if (project.freshnessSeconds > 0) await this.coordination.mark(freshKey, upstreamDigest, project.freshnessSeconds);
    return serveLocal();
  }

  /**
   * One upstream HEAD; when the digest differs from the local tag's, the tag moves to a copy
   * already cached under that digest, or the manifest is fetched and stored. The upstream's
   * digest, or null when it does not have the tag.
   */
  private async refreshTag(project: ProxyProject, repository: RepositoryName, tag: string): Promise<string | null> {
    const head = await this.upstreams.with(project, repository, 'manifest_head', (call) => call.upstream.headManifest(call.name, tag));
    if (!head) return null;
    const current = await this.local(repository, tag, false, '');
    if (current?.digest === head.digest) return head.digest;
    // content cached earlier under another tag needs no transfer: only the tag moves
    if (await this.tags.pointAtCached(repository.name, tag, head.digest)) return head.digest;
    // the upstream lost it between the HEAD and the GET: as if the HEAD had said so
    return (await this.fetchAndStore(project, repository, head.digest, tag)) ? head.digest : null;
  }

  /** GET from the upstream and store, once for every concurrent request (any replica); false on 404. */
  private async fetchOnce(project: ProxyProject, repository: RepositoryName, digest: string): Promise<boolean> {
    return this.coordination.shared(`manifest:${project.registryId}:${repository.name}@${digest}`, this.waitMs(), () => this.fetchAndStore(project, repository, digest, null), reviveUpstreamError);
  }

  private async fetchAndStore(project: ProxyProject, repository: RepositoryName, digest: string, tag: string | null): Promise<boolean> {
    const manifest = await this.upstreams.with(project, repository, 'manifest_get', (call) => call.upstream.getManifest(call.name, digest));
    if (!manifest) return false;
    try {
      await this.store.storeFromUpstream(repository, project.id, tag, manifest.body, manifest.mediaType, digest);
    } catch (error) {
      // a malformed manifest or one that is not what was asked for: refused, nothing stored
      if (error instanceof InvalidError && (error.reason === 'manifest' || error.reason === 'tag' || error.reason === 'digest')) {
        throw new UnavailableError(`the upstream registry sent an unusable manifest: ${error.message}`, { details: { digest }, reason: 'bad-upstream' });
      }
      throw error;
    }
    return true;
  }

  private async local(repository: RepositoryName, reference: string, isPull: boolean, operator: string): Promise<StoredManifest | null> {
    try {
      return await this.manifests.find(repository.name, reference, isPull, operator);
    } catch (error) {
      if (error instanceof NotFoundError && error.subject === 'manifest') return null;
      throw error;
    }
  }

  private count(hit: boolean): void {
    this.metrics.proxyCache.inc({ kind: 'manifest', result: hit ? 'hit' : 'miss' });
  }

  private waitMs(): number {
    return upstreamWaitMs(this.config);
  }
}
