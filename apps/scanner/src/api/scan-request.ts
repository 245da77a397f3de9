import { CONSUMED_MIME_TYPES, SBOM_MEDIA_TYPES, normalizeMediaType, reportKindOf, type SbomMediaType } from './mime-types';
import { ScannerApiError } from './scanner-api-error';

/** A scan request as the spec words it (`ScanRequest`), after validation. */
export interface ScanRequest {
  registry: { url: string; authorization?: string };
  artifact: { repository: string; digest: string; tag?: string; mime_type?: string };
  enabled_capabilities?: { type: string; produces_mime_types?: string[]; parameters?: { sbom_media_types?: string[] } | null }[];
}

/** What a scan produces: the vulnerability report (both versions are rendered from it) and SBOMs in these formats. */
export interface ScanPlan {
  vulnerability: boolean;
  sbomMediaTypes: SbomMediaType[];
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const SHA512 = /^sha512:[a-f0-9]{128}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** The body as JSON, or 400 (the spec: "invalid JSON or the wrong type of JSON values"). */
export function parseJsonBody(body: unknown): unknown {
  if (body === undefined || body === null || (Buffer.isBuffer(body) && body.length === 0)) throw new ScannerApiError(400, 'the scan request has no body');
  try {
    return JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : String(body));
  } catch (error) {
    throw new ScannerApiError(400, `the scan request is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Checks a scan request as the spec and the Trivy adapter do: a value of the wrong JSON type is
 * 400, a missing or invalid field 422, a capability or media type this scanner does not have 501.
 */
export function validateScanRequest(parsed: unknown): { request: ScanRequest; plan: ScanPlan } {
  const body = object(parsed, 'the scan request');
  const registry = object(body.registry ?? {}, 'registry');
  const artifact = object(body.artifact ?? {}, 'artifact');
  const url = optionalString(registry.url, 'registry.url');
  const authorization = optionalString(registry.authorization, 'registry.authorization');
  const repository = optionalString(artifact.repository, 'artifact.repository');
  const digest = optionalString(artifact.digest, 'artifact.digest');
  const tag = optionalString(artifact.tag, 'artifact.tag');
  const mimeType = optionalString(artifact.mime_type, 'artifact.mime_type');

  if (!url) throw new ScannerApiError(422, 'missing registry.url');
  if (!isHttpUrl(url)) throw new ScannerApiError(422, 'invalid registry.url: an http(s) URL is expected');
  if (authorization && !/^(Basic|Bearer) \S+$/i.test(authorization)) throw new ScannerApiError(422, 'invalid registry.authorization: "Basic <credentials>" or "Bearer <token>" is expected');
  if (!repository) throw new ScannerApiError(422, 'missing artifact.repository');
  if (!REPOSITORY.test(repository) || repository.length > 255) throw new ScannerApiError(422, 'invalid artifact.repository');
  if (!digest) throw new ScannerApiError(422, 'missing artifact.digest');
  if (!DIGEST.test(digest) || !(SHA256.test(digest) || SHA512.test(digest))) throw new ScannerApiError(422, 'invalid artifact.digest: a sha256 or sha512 digest is expected');
  if (tag && !TAG.test(tag)) throw new ScannerApiError(422, 'invalid artifact.tag');
  if (mimeType && !CONSUMED_MIME_TYPES.some((type) => normalizeMediaType(type) === normalizeMediaType(mimeType))) {
    throw new ScannerApiError(501, `unsupported artifact.mime_type ${JSON.stringify(mimeType)}: this scanner reads ${CONSUMED_MIME_TYPES.join(', ')}`);
  }

  const capabilities = body.enabled_capabilities;
  const request: ScanRequest = {
    registry: { url, ...(authorization ? { authorization } : {}) },
    artifact: { repository, digest, ...(tag ? { tag } : {}), ...(mimeType ? { mime_type: mimeType } : {}) },
  };
  if (capabilities === undefined || capabilities === null) return { request, plan: { vulnerability: true, sbomMediaTypes: [] } };
  if (!Array.isArray(capabilities)) throw new ScannerApiError(400, 'enabled_capabilities must be an array');
  // no capability named: as without the field, the vulnerability report (what the Trivy adapter does)
  if (capabilities.length === 0) return { request, plan: { vulnerability: true, sbomMediaTypes: [] } };

  const plan: ScanPlan = { vulnerability: false, sbomMediaTypes: [] };
  const enabled: NonNullable<ScanRequest['enabled_capabilities']> = [];
  capabilities.forEach((raw, index) => {
    const where = `enabled_capabilities[${index}]`;
    const capability = object(raw, where);
    const type = optionalString(capability.type, `${where}.type`);
    if (!type) throw new ScannerApiError(422, `missing ${where}.type`);
    const produces = optionalStrings(capability.produces_mime_types, `${where}.produces_mime_types`);
    if (type === 'vulnerability') {
      for (const mediaType of produces ?? []) {
        if (reportKindOf(mediaType)?.type !== 'vulnerability') throw new ScannerApiError(501, `unsupported ${where}.produces_mime_types entry ${JSON.stringify(mediaType)} for a vulnerability scan`);
      }
      plan.vulnerability = true;
      enabled.push({ type, ...(produces ? { produces_mime_types: produces } : {}) });
      return;
    }
    if (type === 'sbom') {
      for (const mediaType of produces ?? []) {
        if (reportKindOf(mediaType)?.type !== 'sbom') throw new ScannerApiError(501, `unsupported ${where}.produces_mime_types entry ${JSON.stringify(mediaType)} for an SBOM`);
      }
      const parameters = capability.parameters === undefined || capability.parameters === null ? {} : object(capability.parameters, `${where}.parameters`);
      const mediaTypes = optionalStrings(parameters.sbom_media_types, `${where}.parameters.sbom_media_types`) ?? [];
      if (!mediaTypes.length) throw new ScannerApiError(422, `missing ${where}.parameters.sbom_media_types`);
      for (const mediaType of mediaTypes) {
        if (!(SBOM_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
          throw new ScannerApiError(422, `unsupported SBOM media type ${JSON.stringify(mediaType)}: ${SBOM_MEDIA_TYPES.join(' or ')}`);
        }
        if (!plan.sbomMediaTypes.includes(mediaType as SbomMediaType)) plan.sbomMediaTypes.push(mediaType as SbomMediaType);
      }
      enabled.push({ type, ...(produces ? { produces_mime_types: produces } : {}), parameters: { sbom_media_types: mediaTypes } });
      return;
    }
    throw new ScannerApiError(501, `unsupported capability ${JSON.stringify(type)}: this scanner has vulnerability and sbom`);
  });
  return { request: { ...request, enabled_capabilities: enabled }, plan };
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ScannerApiError(400, `${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ScannerApiError(400, `${what} must be a string`);
  if (value.includes('\u0000')) throw new ScannerApiError(422, `invalid ${what}`);
  return value.trim() || undefined;
}

function optionalStrings(value: unknown, what: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new ScannerApiError(400, `${what} must be an array of strings`);
  return value as string[];
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash;
  } catch {
    return false;
  }
}
