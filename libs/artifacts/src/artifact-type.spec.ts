import { accessoryKind, detectArtifactType } from './artifact-type';

describe('detectArtifactType', () => {
  const image = (configMediaType?: string, artifactType?: string) => detectArtifactType({ kind: 'image', configMediaType, artifactType });

  it('recognises images, charts, CNAB, SIF, WASM and models by their config media type', () => {
    expect(image('application/vnd.oci.image.config.v1+json')).toBe('IMAGE');
    expect(image('application/vnd.docker.container.image.v1+json')).toBe('IMAGE');
    expect(image('application/vnd.cncf.helm.config.v1+json')).toBe('CHART');
    expect(image('application/vnd.cnab.config.v1+json')).toBe('CNAB');
    expect(image('application/vnd.sylabs.sif.config.v1+json')).toBe('SIF');
    expect(image('application/vnd.wasm.config.v1+json')).toBe('WASM');
    expect(image('application/vnd.module.wasm.config.v1+json')).toBe('WASM');
    expect(image('application/vnd.cncf.model.config.v1+json')).toBe('MODEL');
    expect(image('application/vnd.caicloud.model.config.v1alpha1+json')).toBe('MODEL');
    expect(image('application/vnd.caicloud.model.config.v1+json')).toBe('MODEL');
  });

  it('takes artifactType before the config media type', () => {
    expect(image('application/vnd.oci.empty.v1+json', 'application/vnd.cncf.model.manifest.v1+json')).toBe('MODEL');
    expect(image('application/vnd.oci.image.config.v1+json', 'application/vnd.cncf.helm.config.v1+json')).toBe('CHART');
    // an artifactType it does not know leaves the decision to the config
    expect(image('application/vnd.cncf.helm.config.v1+json', 'application/vnd.example.thing')).toBe('CHART');
  });

  it('reads an index by its artifactType annotation (CNAB), else calls it an image', () => {
    expect(detectArtifactType({ kind: 'index', annotations: { 'org.opencontainers.artifactType': 'application/vnd.cnab.manifest.v1' } })).toBe('CNAB');
    expect(detectArtifactType({ kind: 'index' })).toBe('IMAGE');
    expect(detectArtifactType({ kind: 'index', artifactType: 'application/vnd.cncf.model.manifest.v1+json' })).toBe('MODEL');
  });

  it('derives a name from a vendor config media type, else UNKNOWN', () => {
    expect(image('application/vnd.acme.rocket.config.v2+json')).toBe('ROCKET');
    expect(image('application/vnd.oci.empty.v1+json', 'application/vnd.dev.cosign.artifact.sig.v1+json')).toBe('UNKNOWN');
    expect(image('application/octet-stream')).toBe('UNKNOWN');
    expect(image(undefined)).toBe('UNKNOWN');
  });
});

describe('accessoryKind', () => {
  it('names cosign and notation signatures, SBOMs and attestations', () => {
    expect(accessoryKind({ artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' })).toBe('signature.cosign');
    expect(accessoryKind({ configMediaType: 'application/vnd.oci.image.config.v1+json', tags: [`sha256-${'a'.repeat(64)}.sig`] })).toBe('signature.cosign');
    expect(accessoryKind({ artifactType: 'application/vnd.cncf.notary.signature' })).toBe('signature.notation');
    expect(accessoryKind({ artifactType: 'application/spdx+json' })).toBe('sbom');
    expect(accessoryKind({ artifactType: 'application/vnd.cyclonedx+json' })).toBe('sbom');
    expect(accessoryKind({ artifactType: 'application/vnd.goharbor.harbor.sbom.v1' })).toBe('harbor.sbom');
    expect(accessoryKind({ configMediaType: 'application/vnd.goharbor.harbor.sbom.v1' })).toBe('harbor.sbom');
    expect(accessoryKind({ artifactType: 'application/vnd.in-toto+json' })).toBe('attestation');
    expect(accessoryKind({ configMediaType: 'application/vnd.oci.image.config.v1+json', tags: [`sha256-${'b'.repeat(64)}.sbom`] })).toBe('sbom');
    expect(accessoryKind({ configMediaType: 'application/vnd.oci.image.config.v1+json', tags: [`sha256-${'b'.repeat(64)}.att`] })).toBe('attestation');
    expect(accessoryKind({ artifactType: 'application/vnd.example.other' })).toBe('subject');
    expect(accessoryKind({})).toBe('subject');
  });
});
