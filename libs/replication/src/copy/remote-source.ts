import type { ReplicationAdapter } from '../adapters/replication-adapter';
import type { Accessory, BlobContent, ManifestContent, SourceSide } from './copy-sides';

/** cosign's tag scheme for what it attaches to `sha256:<hex>`, found where no referrers API answers. */
const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'];

/** A remote endpoint as the source of a pull-based copy. */
export class RemoteSource implements SourceSide {
  constructor(
    private readonly adapter: ReplicationAdapter,
    readonly label: string,
  ) {}

  async manifest(repository: string, reference: string, signal: AbortSignal): Promise<ManifestContent | null> {
    const manifest = await this.adapter.getManifest(repository, reference, { signal });
    return manifest && { digest: manifest.digest, mediaType: manifest.mediaType, body: manifest.body };
  }

  async openBlob(repository: string, digest: string, signal: AbortSignal): Promise<BlobContent | null> {
    return this.adapter.getBlob(repository, digest, { signal });
  }

  hasBlob(repository: string, digest: string, signal: AbortSignal): Promise<boolean> {
    return this.adapter.hasBlob(repository, digest, { signal });
  }

  async accessories(repository: string, digest: string, signal: AbortSignal): Promise<Accessory[]> {
    const found = new Map<string, Accessory>();
    for (const referrer of await this.adapter.referrers(repository, digest, signal)) found.set(referrer.digest, { digest: referrer.digest, tags: [] });
    if (digest.startsWith('sha256:')) {
      for (const suffix of COSIGN_SUFFIXES) {
        const tag = `sha256-${digest.slice(7)}.${suffix}`;
        const head = await this.adapter.headManifest(repository, tag, { signal });
        if (!head) continue;
        const accessory = found.get(head.digest) ?? { digest: head.digest, tags: [] };
        accessory.tags.push(tag);
        found.set(head.digest, accessory);
      }
    }
    return [...found.values()];
  }
}
