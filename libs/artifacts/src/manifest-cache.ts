import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { REDIS } from '@wharf/redis';
import type Redis from 'ioredis';
import { WharfMetrics } from '@wharf/metrics';
import type { StoredManifest } from './stored-manifest';

// larger manifests are served from Postgres; the cache is for the common small ones
const MAX_CACHED_BYTES = 64 * 1024;
const TTL_SECONDS = 300;
// after Redis failed to answer, reads go straight to Postgres for this long instead of each
// waiting out the command timeout again
const BYPASS_AFTER_FAILURE_MS = 10_000;

// store only if no write happened to the repository since the reader's database read
const SET_IF_GENERATION = `
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 0`;

/**
 * Hot manifests in Redis, shared by every api replica, so a pull by tag needs no Postgres round
 * trip. Coherence without a stale window: each repository has a generation counter that every
 * manifest or tag change bumps after its commit; an entry records the generation it was read
 * under and counts only while that is still current, and a reader stores what it read only if
 * no change happened meanwhile (checked atomically in Redis). Any Redis failure falls back to
 * Postgres, and for a few seconds after it reads skip Redis altogether.
 */
@Injectable()
export class ManifestCache {
  private readonly logger = new Logger(ManifestCache.name);
  private bypassUntil = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly metrics: WharfMetrics,
  ) {}

  /** The cached manifest, or a miss carrying the generation to store under after reading Postgres. */
  async get(repository: string, reference: string): Promise<{ hit?: StoredManifest; generation: string | null }> {
    if (Date.now() < this.bypassUntil) {
      this.metrics.manifestCache.inc({ result: 'bypass' });
      return { generation: null };
    }
    try {
      const [entry, generation] = await this.redis.mget(this.entryKey(repository, reference), this.generationKey(repository));
      const current = generation ?? '0';
      if (entry) {
        const parsed = JSON.parse(entry) as Omit<StoredManifest, 'body'> & { g: string; body: string };
        if (parsed.g === current) {
          this.metrics.manifestCache.inc({ result: 'hit' });
          return { hit: { ...parsed, body: Buffer.from(parsed.body, 'base64') }, generation: current };
        }
      }
      this.metrics.manifestCache.inc({ result: 'miss' });
      return { generation: current };
    } catch (error) {
      this.metrics.manifestCache.inc({ result: 'bypass' });
      this.metrics.redisErrors.inc({ source: 'manifest-cache' });
      this.bypassUntil = Date.now() + BYPASS_AFTER_FAILURE_MS;
      this.logger.warn(`manifest cache unavailable, reading from Postgres for ${BYPASS_AFTER_FAILURE_MS / 1000} s: ${(error as Error).message}`);
      return { generation: null };
    }
  }

  async store(repository: string, reference: string, generation: string | null, manifest: StoredManifest): Promise<void> {
    if (generation === null || manifest.body.length > MAX_CACHED_BYTES) return;
    const value = JSON.stringify({ ...manifest, g: generation, body: manifest.body.toString('base64') });
    await this.redis
      .eval(SET_IF_GENERATION, 2, this.entryKey(repository, reference), this.generationKey(repository), generation, value, TTL_SECONDS)
      .catch((error: Error) => this.logger.warn(`manifest cache unavailable: ${error.message}`));
  }

  /** After a committed change to the repository's manifests or tags: every cached entry of it stops counting. */
  async invalidate(repository: string): Promise<void> {
    await this.redis.incr(this.generationKey(repository)).catch((error: Error) => {
      // entries expire after TTL_SECONDS at the latest
      this.logger.error(`could not invalidate cached manifests of ${repository}: ${error.message}`);
    });
  }

  private entryKey(repository: string, reference: string): string {
    return `${this.config.REDIS_PREFIX}:manifest:${repository}:${reference}`;
  }

  private generationKey(repository: string): string {
    return `${this.config.REDIS_PREFIX}:manifest-generation:${repository}`;
  }
}
