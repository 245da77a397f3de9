import type { Readable } from 'node:stream';

/**
 * The two ends of a copy as the engine sees them, whichever registry they are: this Wharf (its
 * BlobStore and artifact commands) or a remote endpoint (its replication adapter). Repository
 * names are the side's own.
 */

export interface ManifestContent {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export interface BlobContent {
  stream: Readable;
  size: number;
}

export interface Accessory {
  digest: string;
  /** tags that name it (cosign's `sha256-<hex>.sig`), copied along */
  tags: string[];
}

export interface SourceSide {
  readonly label: string;
  manifest(repository: string, reference: string, signal: AbortSignal): Promise<ManifestContent | null>;
  /** the blob's bytes (a stream, never in memory); null when the source lacks it */
  openBlob(repository: string, digest: string, signal: AbortSignal): Promise<BlobContent | null>;
  hasBlob(repository: string, digest: string, signal: AbortSignal): Promise<boolean>;
  /** artifacts whose subject is this one (signatures, SBOMs, attestations) */
  accessories(repository: string, digest: string, signal: AbortSignal): Promise<Accessory[]>;
}

export interface BlobTransfer {
  digest: string;
  size: number;
  /** opens the source's bytes (already throttled); called again for a retry */
  open(): Promise<Readable>;
  /** chunked upload in parts of this many bytes; null: monolithic */
  chunkSize: number | null;
}

export interface DestinationSide {
  readonly label: string;
  /** the destination refuses pushes (a registry type that takes none): why */
  readonly refusesPushes?: string;
  headManifest(repository: string, reference: string, signal: AbortSignal): Promise<{ digest: string } | null>;
  hasBlob(repository: string, digest: string, signal: AbortSignal): Promise<boolean>;
  /**
   * Makes a blob present without sending it when the destination knows it elsewhere (a mount
   * from another repository that received it); false when it has to be sent.
   */
  reuseBlob(repository: string, digest: string, source: SourceSide, sourceRepository: string, signal: AbortSignal): Promise<boolean>;
  putBlob(repository: string, transfer: BlobTransfer, signal: AbortSignal): Promise<void>;
  /** stores the manifest under its digest and points `tags` at it */
  putManifest(repository: string, manifest: ManifestContent, tags: string[], signal: AbortSignal): Promise<void>;
  /** removes the artifact; false when it was not there */
  deleteArtifact(repository: string, digest: string, signal: AbortSignal): Promise<boolean>;
  /** whether a tag can be removed leaving its artifact (distribution deletes manifests by digest only) */
  readonly deletesTagsAlone: boolean;
  /** removes the tag alone (only where `deletesTagsAlone`); false when it was not there */
  deleteTag(repository: string, digest: string, tag: string, signal: AbortSignal): Promise<boolean>;
}
