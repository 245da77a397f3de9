import type { Readable } from 'node:stream';

/**
 * The one interface every registry type's adapter implements (docker-registry, harbor,
 * docker-hub, ...): the read side of the OCI distribution API, with the upstream's auth
 * challenge (Bearer realm or Basic) handled inside. Repository names are the upstream's own
 * (an adapter maps them, e.g. docker-hub's `nginx` -> `library/nginx`, in `upstreamName`).
 *
 * Failures are classified so the proxy cache can decide: UpstreamUnavailableError (down,
 * timeout, 5xx, 429: serve the local copy), null (404), UpstreamAuthError
 * (401/403 with our credential), anything else an UpstreamProtocolError.
 */
export interface UpstreamManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface UpstreamManifest extends UpstreamManifestHead {
  body: Buffer;
}

export interface UpstreamBlob {
  /** the body; destroy it to abandon the transfer (the connection is released) */
  stream: Readable;
  /** Content-Length as the upstream declared it */
  size: number;
}

export interface UpstreamRequestOptions {
  /** aborts the request (and its body stream) */
  signal?: AbortSignal;
}

export interface UpstreamRegistry {
  /** the name the upstream knows a repository by */
  upstreamName(repository: string): string;

  /** Resolves when the endpoint answers /v2/ with our credential (200, or 401 that our credential then satisfies). */
  ping(options?: UpstreamRequestOptions): Promise<void>;

  /** HEAD of a manifest by tag or digest; null when the upstream does not have it (404). */
  headManifest(repository: string, reference: string, options?: UpstreamRequestOptions): Promise<UpstreamManifestHead | null>;

  /**
   * GET of a manifest, accepting every manifest and index media type; null on 404. The digest
   * is computed from the bytes (and checked against Docker-Content-Digest and a digest reference).
   */
  getManifest(repository: string, reference: string, options?: UpstreamRequestOptions): Promise<UpstreamManifest | null>;

  /**
   * Whether the upstream has the blob in that repository: a HEAD answered 200 with that digest
   * (or a redirect to where its bytes are, which a registry sends only for a blob it has there).
   */
  hasBlob(repository: string, digest: string, options?: UpstreamRequestOptions): Promise<boolean>;

  /** GET of a blob, following redirects to storage; null on 404. The caller verifies the digest. */
  getBlob(repository: string, digest: string, options?: UpstreamRequestOptions): Promise<UpstreamBlob | null>;

  /** Every tag of the repository (following Link pagination); null on 404. */
  listTags(repository: string, options?: UpstreamRequestOptions): Promise<string[] | null>;

  /** Closes the connections kept alive to the upstream (call it when the endpoint is dropped). */
  close?(): Promise<void>;
}

export abstract class UpstreamError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = new.target.name;
  }
}

/** Unreachable, timed out, 5xx or 429: a local copy should be served instead. */
export class UpstreamUnavailableError extends UpstreamError {}

/** 401/403 even with our credential: the endpoint's credential is wrong or lacks access. */
export class UpstreamAuthError extends UpstreamError {}

/** The upstream answered something a registry should not (bad digest, malformed manifest, bad status). */
export class UpstreamProtocolError extends UpstreamError {}

/** A TLS certificate that cannot be verified: the endpoint is there but cannot be trusted unless marked insecure. */
export class UpstreamCertificateError extends UpstreamProtocolError {}
