/** Manifest media types the registry stores; anything else is refused with MANIFEST_INVALID. */
export const MediaType = {
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  OciNondistributableLayers: [
    'application/vnd.oci.image.layer.nondistributable.v1.tar',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  ],
} as const;

export const IMAGE_MANIFEST_TYPES: readonly string[] = [MediaType.OciManifest, MediaType.DockerManifest];
export const INDEX_MANIFEST_TYPES: readonly string[] = [MediaType.OciIndex, MediaType.DockerManifestList];
export const MANIFEST_TYPES: readonly string[] = [...IMAGE_MANIFEST_TYPES, ...INDEX_MANIFEST_TYPES];

// RFC 6838 type/subtype, as the image-spec's descriptor grammar allows
const MEDIA_TYPE_GRAMMAR = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isMediaType(value: unknown): value is string {
  return typeof value === 'string' && MEDIA_TYPE_GRAMMAR.test(value);
}

/** The media type part of a Content-Type header, without parameters. */
export function baseMediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/** Layers that live outside the registry (foreign / non-distributable): no blob is required for them. */
export function isExternalLayer(mediaType: string, urls: unknown): boolean {
  const external = mediaType === MediaType.DockerForeignLayer || (MediaType.OciNondistributableLayers as readonly string[]).includes(mediaType);
  return external && Array.isArray(urls) && urls.length > 0;
}
