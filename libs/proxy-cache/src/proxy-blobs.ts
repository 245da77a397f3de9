import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { DomainError, InvalidError, NotFoundError, UnavailableError } from '@wharf/errors';
import { BlobStore, OffThreadDigests, parseDigest, type BlobInfo, type QuotaContext, type RepositoryName } from '@wharf/registry-core';
import { WharfMetrics } from '@wharf/metrics';
import { pipeline, type Readable } from 'node:stream';
import { ProxyProjects, type ProxyProject } from './proxy-project';
import { ProxyUpstreams, reviveUpstreamError, upstreamFailure, upstreamWaitMs } from './proxy-upstreams';
import { RateLimitedStream } from './rate-limited-stream';
import { UpstreamCoordination, type HeldLock } from './upstream-coordination';
import { UpstreamBlobTee } from './upstream-blob-tee';

/** A blob the proxy project now serves: from storage, or streaming in from the upstream right now. */
export type ProxiedBlob = { kind: 'stored'; blob: BlobInfo } | { kind: 'streaming'; digest: string; size: number; stream: Readable };

// a waiting pull gives up only this long after the fetch it waits for stopped making progress;
// a fetch holder that dies is noticed sooner (its Redis lock stops being renewed)
const WAIT_FOR_FETCH_MS = 60 * 60_000;

/**
 * Blob misses of a proxy-cache project. One upstream GET per blob across every api replica (a
 * Redis lock per digest); its bytes go to the client and to storage at the same time, hashed on
 * a worker thread (UpstreamBlobTee), and the blob becomes visible only when all of it is stored
 * and verified.
 * Concurrent misses wait for that fetch and are then served from storage.
 *
 * A proxy project serves only what it holds or what its upstream vouches for: a digest stored
 * for another project (perhaps a private one) is linked here, without a transfer, only once the
 * upstream has confirmed (a HEAD) that it has that digest in that repository. Otherwise anyone
 * who may pull through the proxy could read, and then mount elsewhere, any blob by its digest.
 */
@Injectable()
export class ProxyBlobs {
  private readonly logger = new Logger(ProxyBlobs.name);

  constructor(
    private readonly upstreams: ProxyUpstreams,
    private readonly coordination: UpstreamCoordination,
    private readonly blobs: BlobStore,
    private readonly config: AppConfig,
    private readonly metrics: WharfMetrics,
    private readonly projects: ProxyProjects,
    private readonly digests: OffThreadDigests,
  ) {}

  /**
   * Makes the blob available to the project. `streamToCaller`: the caller (a plain GET) may take
   * the bytes as they arrive; otherwise (HEAD, Range) this resolves once the blob is stored.
   */
  async fetch(project: ProxyProject, repository: RepositoryName, digest: string, streamToCaller: boolean): Promise<ProxiedBlob> {
    parseDigest(digest);
    for (;;) {
      const held = await this.blobs.findInProject(project.name, digest);
      if (held) {
        this.metrics.proxyCache.inc({ kind: 'blob', result: 'hit' });
        return { kind: 'stored', blob: held };
      }
      if (await this.blobs.isStored(digest)) {
        if (!(await this.upstreamHas(project, repository, digest))) throw blobUnknown(digest);
        const adopted = await this.blobs.adopt(project.id, digest, cachingContext(repository));
        if (adopted) {
          // stored for another project: linked here without a transfer
          this.metrics.proxyCache.inc({ kind: 'blob', result: 'hit' });
          return { kind: 'stored', blob: adopted };
        }
        // collected meanwhile: fetched like any other
      }
      const lock = await this.coordination.lock(`blob:${digest}`);
      if (lock) {
        this.metrics.proxyCache.inc({ kind: 'blob', result: 'miss' });
        return this.transfer(project, repository, digest, streamToCaller, lock);
      }
      if (!(await this.coordination.waitForRelease(`blob:${digest}`, WAIT_FOR_FETCH_MS))) {
        throw new UnavailableError('the blob is still being fetched from the upstream registry; retry shortly', { details: { digest } });
      }
      // the fetch we waited for ended: stored (for this project, or for another one and then
      // vouched for as above) or failed (we become the fetcher)
    }
  }

  /**
   * A blob GET served from what the project already holds, before any proxy logic ran: a hit
   * when the project is a proxy-cache project (its settings are cached, so this costs no query).
   */
  async countLocalRead(projectName: string): Promise<void> {
    if (await this.projects.find(projectName)) this.metrics.proxyCache.inc({ kind: 'blob', result: 'hit' });
  }

  /** One upstream HEAD for every concurrent request (any replica); an unreachable upstream fails the request, nothing is served on trust. */
  private async upstreamHas(project: ProxyProject, repository: RepositoryName, digest: string): Promise<boolean> {
    try {
      return await this.coordination.shared(
        `blob-head:${project.registryId}:${repository.name}@${digest}`,
        upstreamWaitMs(this.config),
        () => this.upstreams.with(project, repository, 'blob_head', (call) => call.upstream.hasBlob(call.name, digest)),
        reviveUpstreamError,
      );
    } catch (error) {
      throw upstreamFailure(project, error);
    }
  }

  private async transfer(project: ProxyProject, repository: RepositoryName, digest: string, streamToCaller: boolean, lock: HeldLock): Promise<ProxiedBlob> {
    let call: Awaited<ReturnType<ProxyUpstreams['open']>> | undefined;
    let upstreamBlob: Awaited<ReturnType<NonNullable<typeof call>['upstream']['getBlob']>>;
    try {
      call = await this.upstreams.open(project, repository, 'blob_get');
      upstreamBlob = await call.upstream.getBlob(call.name, digest);
    } catch (error) {
      await call?.release();
      await lock.release();
      throw upstreamFailure(project, error);
    }
    const release = async () => {
      await call?.release();
      await lock.release();
    };
    if (!upstreamBlob) {
      await release();
      throw blobUnknown(digest);
    }

    const throttle = project.speedLimitKb > 0 ? new RateLimitedStream(project.speedLimitKb * 1024) : undefined;
    const body = throttle ? pipeline(upstreamBlob.stream, throttle, () => undefined) : upstreamBlob.stream;
    // one copy of the verified bytes for storage, one for the caller; a client that goes away is
    // dropped while storage goes on, so the next pull finds the blob
    const tee = new UpstreamBlobTee(body, {
      algorithm: parseDigest(digest).algorithm,
      expectedDigest: digest,
      expectedSize: upstreamBlob.size,
      digests: this.digests,
      withCaller: streamToCaller,
    });

    const stored = this.blobs
      .putFromUpstream(project.id, digest, tee.toStorage, upstreamBlob.size, cachingContext(repository))
      .catch((error: unknown) => {
        tee.fail(error as Error);
        throw unusableBlob(project, digest, error);
      })
      .finally(release);
    const toCaller = tee.toCaller;
    if (!toCaller) return { kind: 'stored', blob: await stored };
    stored.catch((error: Error) => {
      this.logger.warn(`proxy project ${project.name}: caching ${digest} from the upstream failed: ${error.message}`);
      toCaller.destroy(error);
    });
    return { kind: 'streaming', digest, size: upstreamBlob.size, stream: toCaller };
  }
}

/** What a refusal over quota names: the proxy caches on its own behalf (one fetch serves every concurrent pull), so no operator. */
function cachingContext(repository: RepositoryName): QuotaContext {
  return { repository: repository.name, operator: '' };
}

function blobUnknown(digest: string): NotFoundError {
  return new NotFoundError('blob', 'blob unknown to registry and its upstream', { details: { digest } });
}

/** The upstream's bytes were not the blob (wrong digest or length) or stopped coming: nothing was stored. */
function unusableBlob(project: ProxyProject, digest: string, error: unknown): unknown {
  if (error instanceof InvalidError && (error.reason === 'digest' || error.reason === 'size')) {
    return new UnavailableError(`the upstream registry of proxy project ${project.name} sent a broken blob (${error.message}); nothing was cached`, { details: { digest }, reason: 'bad-upstream' });
  }
  if (error instanceof DomainError) return error;
  return new UnavailableError(`fetching ${digest} from the upstream registry of proxy project ${project.name} failed: ${(error as Error).message}`, { details: { digest }, reason: 'bad-upstream' });
}
