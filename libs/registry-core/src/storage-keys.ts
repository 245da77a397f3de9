import type { ParsedDigest } from './digest';

/**
 * Object keys, in the CNCF distribution registry's layout so an existing bucket can be adopted:
 * docker/registry/v2/blobs/<alg>/<2 hex>/<hex>/data. Manifests are stored the same way.
 */
const ROOT = 'docker/registry/v2';

export function blobKey(digest: ParsedDigest): string {
  return `${ROOT}/blobs/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}/data`;
}

/** Where an upload's bytes are staged until the digest is verified. */
export function uploadStagingKey(uploadId: string): string {
  return `${ROOT}/_wharf/uploads/${uploadId}/data`;
}
