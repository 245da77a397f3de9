/** A manifest as the registry serves it: what ManifestQueries reads and ManifestCache keeps in Redis. */
export interface StoredManifest {
  artifactId: string;
  tagId: string | null;
  digest: string;
  mediaType: string;
  size: number;
  body: Buffer;
}
