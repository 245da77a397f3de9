import type { SbomMediaType } from '../api/mime-types';
import type { PulledImage } from '../registry/pulled-image';
import type { ReportArtifact, SbomReport, ScannerIdentity } from './report-types';

/**
 * The SBOM report (spec v1.2): the document in `sbom`, its format in `media_type`. For an index
 * the document is one platform's (named in `vendor_attributes.platform`; the others are listed
 * with their digests), as Harbor scans each child of an index on its own anyway.
 */
export function buildSbomReport(
  artifact: ReportArtifact,
  scanner: ScannerIdentity,
  mediaType: SbomMediaType,
  sbom: Record<string, unknown>,
  subject: PulledImage,
  images: PulledImage[],
  generatedAt: Date,
): SbomReport {
  const others = images.filter((image) => image !== subject);
  return {
    generated_at: generatedAt.toISOString(),
    artifact,
    scanner,
    vendor_attributes: {
      'created-by': `${scanner.name} ${scanner.version}`,
      'create-time': String(Math.floor(generatedAt.getTime() / 1000)),
      ...(mediaType === 'application/vnd.cyclonedx+json' && typeof sbom.specVersion === 'string' ? { 'spec-version': sbom.specVersion } : {}),
      ...(mediaType === 'application/spdx+json' && typeof sbom.spdxVersion === 'string' ? { 'spec-version': sbom.spdxVersion } : {}),
      ...(subject.platform ? { platform: subject.platform } : {}),
      image_digest: subject.digest,
      ...(others.length ? { other_platforms: Object.fromEntries(others.map((image) => [image.platform ?? image.digest, image.digest])) } : {}),
    },
    media_type: mediaType,
    sbom,
  };
}
