import { Injectable } from '@nestjs/common';
import { StoreManifestCommand } from '@wharf/artifacts';
import { BlobStore, parseRepositoryName } from '@wharf/registry-core';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { HARBOR_SBOM_ARTIFACT_TYPE } from '../scan-report';
import type { ScanTaskAttrs } from './scan-launcher';

const EMPTY_CONFIG = Buffer.from('{}');
const EMPTY_CONFIG_TYPE = 'application/vnd.oci.empty.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * Stores an SBOM as an accessory of its subject, as Harbor does: an OCI manifest of artifact type
 * `application/vnd.goharbor.harbor.sbom.v1` whose one layer is the SBOM document and whose
 * `subject` is the scanned artifact, pushed into the subject's repository through the artifact
 * commands (so quota, events and the deep delete of the subject cover it). Pushed by the operator
 * `scanner`; the push event it writes is not scanned (an SBOM is not an image).
 */
@Injectable()
export class SbomAccessories {
  constructor(
    private readonly blobs: BlobStore,
    private readonly manifests: StoreManifestCommand,
  ) {}

  async store(attrs: ScanTaskAttrs, sbom: unknown, mediaType: string): Promise<{ digest: string }> {
    // the adapter's SBOM report wraps the document: {generated_at, artifact, scanner, media_type, sbom}
    const inner = (sbom as { sbom?: unknown } | null)?.sbom ?? sbom;
    const document = Buffer.from(JSON.stringify(inner));
    const context = { repository: attrs.repository, operator: 'scanner' };
    const stored = await this.blobs.putVerified(attrs.project_id, sha256(document), Readable.from([document]), context, document.length);
    await this.blobs.putVerified(attrs.project_id, sha256(EMPTY_CONFIG), Readable.from([EMPTY_CONFIG]), context, EMPTY_CONFIG.length);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: HARBOR_SBOM_ARTIFACT_TYPE,
        config: { mediaType: EMPTY_CONFIG_TYPE, digest: sha256(EMPTY_CONFIG), size: EMPTY_CONFIG.length },
        layers: [{ mediaType, digest: stored.digest, size: document.length }],
        subject: { mediaType: attrs.media_type, digest: attrs.digest, size: await this.subjectSize(attrs) },
        annotations: { 'created-by': 'Wharf', 'org.opencontainers.image.created': new Date().toISOString() },
      }),
    );
    const pushed = await this.manifests.push(parseRepositoryName(attrs.repository), attrs.project_id, sha256(manifest), manifest, OCI_MANIFEST, [], 'scanner');
    return { digest: pushed.digest };
  }

  private async subjectSize(attrs: ScanTaskAttrs): Promise<number> {
    const info = await this.blobs.findInProject(attrs.project_name, attrs.digest);
    return info?.size ?? 0;
  }
}
