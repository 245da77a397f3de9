import { InvalidError, TooLargeError } from '@wharf/errors';
import { parseDigest } from './digest';
import { INDEX_MANIFEST_TYPES, IMAGE_MANIFEST_TYPES, MediaType, baseMediaType, isExternalLayer, isMediaType } from './media-types';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Record<string, unknown>;
  urls?: string[];
}

export interface ParsedManifest {
  mediaType: string;
  kind: 'image' | 'index';
  config?: Descriptor;
  /** blobs this manifest needs in the registry: config and layers (external layers excluded) */
  blobs: Descriptor[];
  /** manifests an index names; they must exist in the same repository */
  manifests: Descriptor[];
  subject?: Descriptor;
  /** what the referrers API reports: artifactType, else the config's media type (images only) */
  artifactType?: string;
  annotations?: Record<string, string>;
}

const invalid = (message: string, details?: Record<string, unknown>) => new InvalidError('manifest', message, { details });
// a JSON escape for NUL that is not itself escaped (`\\u0000` is a backslash and "u0000")
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/i;

function descriptor(value: unknown, where: string): Descriptor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${where} must be a descriptor object`);
  const d = value as Record<string, unknown>;
  if (!isMediaType(d.mediaType)) throw invalid(`${where}.mediaType is missing or invalid`);
  if (typeof d.digest !== 'string') throw invalid(`${where}.digest is missing`);
  try {
    parseDigest(d.digest);
  } catch {
    throw invalid(`${where}.digest is not a valid digest`, { digest: d.digest });
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw invalid(`${where}.size must be a non-negative integer`);
  if (d.artifactType !== undefined && !isMediaType(d.artifactType)) throw invalid(`${where}.artifactType is invalid`);
  if (d.annotations !== undefined && !isStringMap(d.annotations)) throw invalid(`${where}.annotations must map strings to strings`);
  if (d.urls !== undefined && (!Array.isArray(d.urls) || d.urls.some((u) => typeof u !== 'string'))) throw invalid(`${where}.urls must be strings`);
  return d as unknown as Descriptor;
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/**
 * Parses and validates a manifest body against the media type the client sent. Checks structure
 * only; whether referenced blobs and manifests exist is the caller's job (it needs the database).
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  if (body.length > MAX_MANIFEST_BYTES) {
    throw new TooLargeError(`manifest exceeds ${MAX_MANIFEST_BYTES} bytes`, { details: { size: body.length } });
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('manifest must be a JSON object');
  // annotations and platforms are kept as jsonb, which refuses NUL: a 400 here, not a 500 there
  if (ESCAPED_NUL.test(body.toString('utf8'))) throw invalid('manifest contains a NUL character');
  const m = json as Record<string, unknown>;

  const declared = typeof m.mediaType === 'string' ? m.mediaType : undefined;
  const sent = baseMediaType(contentType);
  if (declared !== undefined && sent !== undefined && sent !== 'application/json' && declared !== sent) {
    throw invalid(`manifest mediaType ${declared} does not match Content-Type ${sent}`);
  }
  const mediaType = declared ?? (sent && sent !== 'application/json' ? sent : undefined) ?? guessOciType(m);
  if (mediaType === MediaType.DockerSchema1 || mediaType === MediaType.DockerSchema1Signed || m.schemaVersion === 1) {
    throw invalid('Docker image manifest schema 1 is not supported; push with a current client (schema 2 or OCI)');
  }
  if (!mediaType || (!IMAGE_MANIFEST_TYPES.includes(mediaType) && !INDEX_MANIFEST_TYPES.includes(mediaType))) {
    throw invalid(`unsupported manifest media type ${mediaType ?? '(none)'}`);
  }
  if (m.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  if (m.annotations !== undefined && !isStringMap(m.annotations)) throw invalid('annotations must map strings to strings');
  if (m.artifactType !== undefined && !isMediaType(m.artifactType)) throw invalid('artifactType is invalid');
  const subject = m.subject === undefined ? undefined : descriptor(m.subject, 'subject');
  const annotations = m.annotations as Record<string, string> | undefined;

  if (IMAGE_MANIFEST_TYPES.includes(mediaType)) {
    if (m.manifests !== undefined) throw invalid('an image manifest must not list manifests');
    const config = descriptor(m.config, 'config');
    if (!Array.isArray(m.layers)) throw invalid('layers must be an array');
    const layers = m.layers.map((l, i) => descriptor(l, `layers[${i}]`));
    if (mediaType === MediaType.DockerManifest && layers.length === 0) throw invalid('a Docker image manifest needs at least one layer');
    const blobs = [config, ...layers.filter((l) => !isExternalLayer(l.mediaType, l.urls))];
    const artifactType = (m.artifactType as string | undefined) ?? config.mediaType;
    return { mediaType, kind: 'image', config, blobs, manifests: [], subject, artifactType, annotations };
  }

  if (!Array.isArray(m.manifests)) throw invalid('manifests must be an array');
  if (m.layers !== undefined || m.config !== undefined) throw invalid('an index must not have config or layers');
  const manifests = m.manifests.map((d, i) => descriptor(d, `manifests[${i}]`));
  return { mediaType, kind: 'index', blobs: [], manifests, subject, artifactType: m.artifactType as string | undefined, annotations };
}

// OCI allows omitting mediaType; then the shape decides
function guessOciType(m: Record<string, unknown>): string | undefined {
  if (Array.isArray(m.manifests)) return MediaType.OciIndex;
  if (m.config !== undefined) return MediaType.OciManifest;
  return undefined;
}
