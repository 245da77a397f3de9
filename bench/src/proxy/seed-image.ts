import { createHash } from 'node:crypto';
import { MiB, PatternBlob } from '../blob-data';
import { BenchRegistryClient } from '../registry-client';

export const LAYER_COUNT = 5;
export const LAYER_SIZE = 50 * MiB;

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** An image on the upstream: where it is and what a pull of it must deliver. */
export interface SeededImage {
  repository: string;
  tag: string;
  manifestDigest: string;
  /** config and layers: every blob a pull fetches */
  blobs: { digest: string; size: number }[];
  totalBytes: number;
}

/**
 * Pushes a 5-layer image of ~260 MB to docker-registry: layers of never-repeating digests
 * (PatternBlob: a nonce + random data, so nothing compresses or deduplicates), each in one
 * POST + PUT ?digest= (v2.8 ignores a single POST's body), all layers at once over their own
 * connections; then the config and an OCI manifest under `tag`.
 */
export async function pushSeedImage(baseUrl: string, repository: string, tag: string): Promise<SeededImage> {
  const layers = Array.from({ length: LAYER_COUNT }, () => new PatternBlob(LAYER_SIZE));
  await Promise.all(
    layers.map(async (layer) => {
      const client = new BenchRegistryClient(baseUrl);
      try {
        await client.pushMonolithic(repository, layer, 'POST+PUT');
      } finally {
        client.close();
      }
    }),
  );
  const client = new BenchRegistryClient(baseUrl);
  try {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest()) }, created: new Date().toISOString() }));
    const configDigest = await client.pushBuffer(repository, config, 'POST+PUT');
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest(), size: l.size })),
      }),
    );
    await client.putManifest(repository, tag, manifest, OCI_MANIFEST);
    const blobs = [{ digest: configDigest, size: config.length }, ...layers.map((l) => ({ digest: l.digest(), size: l.size }))];
    return {
      repository,
      tag,
      manifestDigest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
      blobs,
      totalBytes: blobs.reduce((sum, b) => sum + b.size, 0),
    };
  } finally {
    client.close();
  }
}
