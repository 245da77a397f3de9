import { createUpstreamRegistry, UpstreamAuthError, UpstreamProtocolError, type RegistryCredential, type UpstreamRegistry } from '@wharf/registries';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { DigestCheck, LayerDecoder } from './layer-decoder';
import type { ImageLayer, PulledImage } from './pulled-image';

/** Where to pull from and with what, as a scan request says. */
export interface PullSource {
  registryUrl: string;
  /** `Basic ...` or `Bearer ...` */
  authorization?: string;
  repository: string;
  digest: string;
}

export interface PullOptions {
  timeoutMs: number;
  insecure: boolean;
  signal?: AbortSignal;
}

/** The artifact as pulled: its own media type, and one image per platform (one for a plain image). */
export interface PulledArtifact {
  mediaType: string;
  images: PulledImage[];
  /** platforms of an index that were not scanned (not linux, or attestations) */
  skippedPlatforms: string[];
}

/** Why a pull failed, in words a report's reader can act on. */
export class PullError extends Error {
  constructor(
    message: string,
    readonly kind: 'authentication' | 'not-found' | 'unsupported' | 'registry',
  ) {
    super(message);
    this.name = 'PullError';
  }
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const IMAGE_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']);
const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** The registry credential a scan request's Authorization stands for. */
export function credentialOf(authorization: string | undefined): RegistryCredential | null {
  if (!authorization) return null;
  const [scheme, value] = authorization.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return { type: 'oauth', accessKey: '', accessSecret: value };
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new PullError('authentication failed: registry.authorization is Basic but not base64 of "user:password"', 'authentication');
    return { type: 'basic', accessKey: decoded.slice(0, colon), accessSecret: decoded.slice(colon + 1) };
  }
  throw new PullError(`authentication failed: unsupported authorization scheme ${scheme}`, 'authentication');
}

/**
 * Pulls what a scan needs from any distribution registry (through the same client the proxy
 * cache uses, @wharf/registries): the manifest the request names, for an index each linux
 * platform's image manifest, each image's config; layers are opened only when the inventory
 * reads them, streamed from the registry, checked against their digest and decompressed on the way.
 */
export class ImagePuller {
  private readonly client: UpstreamRegistry;

  constructor(
    private readonly source: PullSource,
    private readonly options: PullOptions,
  ) {
    this.client = createUpstreamRegistry(
      { type: 'docker-registry', url: source.registryUrl, insecure: options.insecure, credential: credentialOf(source.authorization) },
      { timeoutMs: options.timeoutMs },
    );
  }

  async pull(): Promise<PulledArtifact> {
    const { repository, digest } = this.source;
    const top = await this.manifest(digest);
    if (IMAGE_TYPES.has(top.mediaType)) return { mediaType: top.mediaType, images: [await this.image(digest, top.body)], skippedPlatforms: [] };
    if (!INDEX_TYPES.has(top.mediaType)) throw new PullError(`${repository}@${digest} is a ${top.mediaType}, not a container image or an index of them`, 'unsupported');
    const entries = ((top.body.manifests ?? []) as Descriptor[]).filter((entry) => entry && typeof entry.digest === 'string');
    const images: PulledImage[] = [];
    const skippedPlatforms: string[] = [];
    for (const entry of entries) {
      const platform = platformName(entry.platform);
      // buildkit's attestation manifests say unknown/unknown; other systems' images are not ours to read
      if (entry.platform?.os !== 'linux' || (entry.mediaType && !IMAGE_TYPES.has(entry.mediaType))) {
        skippedPlatforms.push(platform ?? entry.digest);
        continue;
      }
      const child = await this.manifest(entry.digest);
      if (!IMAGE_TYPES.has(child.mediaType)) {
        skippedPlatforms.push(platform ?? entry.digest);
        continue;
      }
      images.push(await this.image(entry.digest, child.body, platform));
    }
    if (!images.length) throw new PullError(`the index ${repository}@${digest} has no linux image to scan`, 'unsupported');
    return { mediaType: top.mediaType, images, skippedPlatforms };
  }

  async close(): Promise<void> {
    await this.client.close?.();
  }

  private async manifest(digest: string): Promise<{ mediaType: string; body: Record<string, unknown> }> {
    const manifest = await this.guard(`the manifest ${digest}`, () => this.client.getManifest(this.source.repository, digest, { signal: this.options.signal }));
    if (!manifest) throw new PullError(`artifact not found: ${this.source.repository}@${digest} is not in the registry at ${this.source.registryUrl}`, 'not-found');
    try {
      return { mediaType: manifest.mediaType, body: JSON.parse(manifest.body.toString('utf8')) as Record<string, unknown> };
    } catch {
      throw new PullError(`the manifest ${digest} is not JSON`, 'unsupported');
    }
  }

  private async image(digest: string, manifest: Record<string, unknown>, indexPlatform?: string): Promise<PulledImage> {
    const configDescriptor = manifest.config as Descriptor | undefined;
    if (!configDescriptor?.digest) throw new PullError(`the manifest ${digest} has no config`, 'unsupported');
    if (configDescriptor.mediaType && !IMAGE_CONFIG_TYPES.has(configDescriptor.mediaType)) {
      throw new PullError(`${this.source.repository}@${digest} is not a container image (its config is ${configDescriptor.mediaType})`, 'unsupported');
    }
    const config = await this.config(configDescriptor);
    const layers = ((manifest.layers ?? []) as Descriptor[]).map((layer) => this.layer(layer));
    const platform =
      indexPlatform ?? platformName({ os: config.os as string | undefined, architecture: config.architecture as string | undefined, variant: config.variant as string | undefined });
    return {
      registryUrl: this.source.registryUrl,
      repository: this.source.repository,
      digest,
      ...(this.source.authorization ? { authorization: this.source.authorization } : {}),
      ...(platform ? { platform } : {}),
      config,
      layers,
    };
  }

  private async config(descriptor: Descriptor): Promise<Record<string, unknown>> {
    if (descriptor.size > MAX_CONFIG_BYTES) throw new PullError(`the image config ${descriptor.digest} is over ${MAX_CONFIG_BYTES} bytes`, 'unsupported');
    const stream = pipeline(await this.blob(descriptor), new DigestCheck(descriptor.digest, descriptor.size), () => undefined);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new PullError(`the image config ${descriptor.digest} is not JSON`, 'unsupported');
    }
  }

  private layer(descriptor: Descriptor): ImageLayer {
    return {
      digest: descriptor.digest,
      mediaType: descriptor.mediaType ?? 'application/vnd.oci.image.layer.v1.tar',
      size: descriptor.size,
      open: async () => {
        const raw = await this.blob(descriptor);
        const out = new PassThrough();
        // any failure (registry gone, digest mismatch, corrupt compression) reaches the reader as the stream's error
        pipeline(raw, new DigestCheck(descriptor.digest, descriptor.size), new LayerDecoder(), out, () => undefined);
        return out;
      },
    };
  }

  /** A blob's bytes as the registry sends them (callers check the digest as they read). */
  private async blob(descriptor: Descriptor): Promise<Readable> {
    const blob = await this.guard(`the blob ${descriptor.digest}`, () => this.client.getBlob(this.source.repository, descriptor.digest, { signal: this.options.signal }));
    if (!blob) throw new PullError(`the blob ${descriptor.digest} of ${this.source.repository} is not in the registry`, 'not-found');
    return blob.stream;
  }

  /** Registry failures in the words a report shows (the registry's own error classes are @wharf/registries'). */
  private async guard<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof UpstreamAuthError) {
        throw new PullError(
          `authentication failed: the registry at ${this.source.registryUrl} refused the scan request's credentials for ${this.source.repository} (${error.status ?? 401}) while reading ${what}`,
          'authentication',
        );
      }
      if (error instanceof UpstreamProtocolError && !(error instanceof PullError)) throw new PullError(`the registry answered something unexpected for ${what}: ${error.message}`, 'registry');
      throw error;
    }
  }
}

function platformName(platform: Descriptor['platform']): string | undefined {
  if (!platform?.os || !platform.architecture) return undefined;
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
