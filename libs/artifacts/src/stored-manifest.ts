/** A manifest as the registry serves it: what ManifestQueries reads and ManifestCache keeps in Redis. */
export interface StoredManifest {
  artifactId: number;
  tagId: number | null;
  digest: string;
  mediaType: string;
  size: number;
  body: Buffer;
}
