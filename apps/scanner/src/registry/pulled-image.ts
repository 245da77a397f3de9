import type { Readable } from 'node:stream';

/** One layer of a single-platform image, opened lazily and streamed (never held whole in memory). */
export interface ImageLayer {
  /** the layer's digest as the manifest names it (compressed) */
  digest: string;
  mediaType: string;
  size: number;
  /** the layer as an uncompressed tar stream (gzip and zstd undone) */
  open(): Promise<Readable>;
}

/** One platform's image as the registry client hands it to the inventory. */
export interface PulledImage {
  /** where it came from, as the scan request named it */
  registryUrl: string;
  repository: string;
  /** the digest of this platform's image manifest */
  digest: string;
  /** `Basic ...` or `Bearer ...`, as the scan request gave it (for an engine that pulls itself) */
  authorization?: string;
  /** `linux/amd64`, from the index entry or the config */
  platform?: string;
  /** the image config JSON */
  config: Record<string, unknown>;
  /** lowest layer first */
  layers: ImageLayer[];
}
