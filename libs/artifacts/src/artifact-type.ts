/**
 * What kind of artifact a manifest is (Harbor's `type`: IMAGE, CHART, CNAB, SIF, WASM, MODEL, a
 * name derived from a vendor config media type, else UNKNOWN) and what kind of accessory a
 * manifest with a `subject` is. Pure functions of what the manifest says (CONTRACTS.md section 7);
 * the migration 1764700000000 back-fills existing rows with the same rules written in SQL.
 */

export interface TypeSource {
  kind: 'image' | 'index';
  /** the manifest's own `artifactType` field (not the config fallback) */
  artifactType?: string;
  configMediaType?: string;
  annotations?: Record<string, string>;
}

export const ArtifactType = {
  Image: 'IMAGE',
  Chart: 'CHART',
  Cnab: 'CNAB',
  Sif: 'SIF',
  Wasm: 'WASM',
  Model: 'MODEL',
  Unknown: 'UNKNOWN',
} as const;

const KNOWN: Record<string, string> = {
  'application/vnd.oci.image.config.v1+json': ArtifactType.Image,
  'application/vnd.docker.container.image.v1+json': ArtifactType.Image,
  'application/vnd.cncf.helm.config.v1+json': ArtifactType.Chart,
  'application/vnd.cnab.manifest.v1': ArtifactType.Cnab,
  'application/vnd.cnab.config.v1+json': ArtifactType.Cnab,
  'application/vnd.sylabs.sif.config.v1+json': ArtifactType.Sif,
  'application/vnd.wasm.config.v1+json': ArtifactType.Wasm,
  'application/vnd.module.wasm.config.v1+json': ArtifactType.Wasm,
  'application/vnd.cncf.model.manifest.v1+json': ArtifactType.Model,
  'application/vnd.cncf.model.config.v1+json': ArtifactType.Model,
};

// ORMB/Kubeflow (`application/vnd.caicloud.model.config.v1alpha1+json`) and other vendors' model configs
const MODEL_CONFIG = /^application\/vnd\.[a-z0-9-]+\.model\.(config|manifest)\.[a-z0-9]+\+json$/i;
// `application/vnd.<vendor>.<name>.config.<version>+json` -> <NAME>
const VENDOR_CONFIG = /^application\/vnd\.[a-z0-9-]+\.([a-z0-9-]+)\.config\.[a-z0-9]+\+json$/i;

export const ARTIFACT_TYPE_ANNOTATION = 'org.opencontainers.artifactType';

function known(mediaType: string | undefined): string | undefined {
  if (!mediaType) return undefined;
  const lower = mediaType.toLowerCase();
  return KNOWN[lower] ?? (MODEL_CONFIG.test(lower) ? ArtifactType.Model : undefined);
}

function derived(mediaType: string | undefined): string | undefined {
  const match = mediaType ? VENDOR_CONFIG.exec(mediaType) : null;
  return match ? match[1].toUpperCase() : undefined;
}

/** The manifest's `artifactType`, then its config's media type, then an index's annotation; an index otherwise counts as an image. */
export function detectArtifactType(source: TypeSource): string {
  const candidates = [source.artifactType, source.configMediaType, source.kind === 'index' ? source.annotations?.[ARTIFACT_TYPE_ANNOTATION] : undefined];
  for (const candidate of candidates) {
    const type = known(candidate);
    if (type) return type;
  }
  if (source.kind === 'index') return ArtifactType.Image;
  for (const candidate of candidates) {
    const type = derived(candidate);
    if (type) return type;
  }
  return ArtifactType.Unknown;
}

export const AccessoryKind = {
  CosignSignature: 'signature.cosign',
  NotationSignature: 'signature.notation',
  Sbom: 'sbom',
  /** an SBOM a scan stored for its subject (Harbor's `harbor.sbom`) */
  HarborSbom: 'harbor.sbom',
  Attestation: 'attestation',
  Subject: 'subject',
} as const;
export type AccessoryKindName = (typeof AccessoryKind)[keyof typeof AccessoryKind];

const COSIGN_SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
// the artifact type of the SBOM accessory a scan pushes (libs/scanning HARBOR_SBOM_ARTIFACT_TYPE; artifacts may not import scanning)
const HARBOR_SBOM = 'application/vnd.goharbor.harbor.sbom.v1';
const NOTATION_SIGNATURE = 'application/vnd.cncf.notary.signature';
// older cosign clients: no subject field, a tag named after the subject's digest
const COSIGN_SIGNATURE_TAG = /^sha256-[0-9a-f]{64}\.sig$/;
const COSIGN_SBOM_TAG = /^sha256-[0-9a-f]{64}\.sbom$/;
const COSIGN_ATTESTATION_TAG = /^sha256-[0-9a-f]{64}\.att$/;

/** The kind of an artifact that refers to a subject, from its artifact type, config media type and tags. */
export function accessoryKind(input: { artifactType?: string | null; configMediaType?: string | null; tags?: readonly string[] }): AccessoryKindName {
  const types = [input.artifactType, input.configMediaType].filter((t): t is string => Boolean(t)).map((t) => t.toLowerCase());
  if (types.includes(COSIGN_SIGNATURE) || (input.tags ?? []).some((tag) => COSIGN_SIGNATURE_TAG.test(tag))) return AccessoryKind.CosignSignature;
  if (types.includes(HARBOR_SBOM)) return AccessoryKind.HarborSbom;
  if (types.some((t) => t === NOTATION_SIGNATURE || t.startsWith(`${NOTATION_SIGNATURE}+`))) return AccessoryKind.NotationSignature;
  if (types.some((t) => t.includes('spdx') || t.includes('cyclonedx') || t.includes('.sbom'))) return AccessoryKind.Sbom;
  if (types.some((t) => t.includes('in-toto') || t.includes('attestation') || t.includes('dsse'))) return AccessoryKind.Attestation;
  if ((input.tags ?? []).some((tag) => COSIGN_SBOM_TAG.test(tag))) return AccessoryKind.Sbom;
  if ((input.tags ?? []).some((tag) => COSIGN_ATTESTATION_TAG.test(tag))) return AccessoryKind.Attestation;
  return AccessoryKind.Subject;
}

export const isSignature = (kind: string): boolean => kind.startsWith('signature.');
