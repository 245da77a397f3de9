import { randomUUID } from 'node:crypto';
import type { InstalledPackage } from '../inventory/inventory';
import { imagePurl, imageReference, registryHost, type SbomSubject } from './sbom-subject';

export const SPDX_MEDIA_TYPE = 'application/spdx+json';

/** a license string that is already an SPDX expression of listed ids; anything else is NOASSERTION */
const SPDX_EXPRESSION = /^\(?[A-Za-z0-9][A-Za-z0-9.+-]*(?:\)?\s+(?:AND|OR|WITH)\s+\(?[A-Za-z0-9][A-Za-z0-9.+-]*\)?)*$/;

/**
 * An SPDX 2.3 JSON document of an image: the image as a CONTAINER package the document
 * DESCRIBES, its operating system and every package CONTAINED in it, each with its purl as a
 * PACKAGE-MANAGER external reference.
 */
export function spdxOf(subject: SbomSubject): Record<string, unknown> {
  const reference = imageReference(subject);
  const packages: Record<string, unknown>[] = [
    {
      SPDXID: 'SPDXRef-Image',
      name: reference.replace(/@sha256:.*$/, ''),
      versionInfo: subject.image.digest,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      primaryPackagePurpose: 'CONTAINER',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: imagePurl(subject) }],
    },
  ];
  const relationships: Record<string, unknown>[] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Image' }];
  const { os } = subject.inventory;
  if (os) {
    packages.push({
      SPDXID: 'SPDXRef-OperatingSystem',
      name: os.family,
      versionInfo: os.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      primaryPackagePurpose: 'OPERATING-SYSTEM',
      ...(os.prettyName ? { description: os.prettyName } : {}),
    });
    relationships.push({ spdxElementId: 'SPDXRef-Image', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-OperatingSystem' });
  }
  subject.inventory.packages.forEach((pkg, index) => {
    const id = `SPDXRef-Package-${index + 1}`;
    packages.push(spdxPackage(pkg, id));
    relationships.push({ spdxElementId: 'SPDXRef-Image', relationshipType: 'CONTAINS', relatedSpdxElement: id });
  });
  const created = (subject.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: reference,
    documentNamespace: `https://${registryHost(subject.image.registryUrl)}/spdx/${subject.image.repository}/${subject.image.digest.replace(':', '-')}/${randomUUID()}`,
    creationInfo: { created, creators: [`Organization: ${subject.tool.vendor}`, `Tool: ${subject.tool.name}-${subject.tool.version}`] },
    packages,
    relationships,
  };
}

function spdxPackage(pkg: InstalledPackage, id: string): Record<string, unknown> {
  const declared = pkg.licenses?.length === 1 && SPDX_EXPRESSION.test(pkg.licenses[0]) ? pkg.licenses[0] : 'NOASSERTION';
  return {
    SPDXID: id,
    name: pkg.name,
    versionInfo: pkg.version,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: declared,
    primaryPackagePurpose: 'LIBRARY',
    ...(pkg.sourceName && (pkg.sourceName !== pkg.name || pkg.sourceVersion !== pkg.version) ? { sourceInfo: `built package from: ${pkg.sourceName} ${pkg.sourceVersion ?? ''}`.trim() } : {}),
    ...(pkg.licenses?.length && declared === 'NOASSERTION' ? { licenseComments: `declared as: ${pkg.licenses.join('; ')}` } : {}),
    comment: `found in ${pkg.path}${pkg.layerDigest ? ` (layer ${pkg.layerDigest})` : ''}`,
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
  };
}
