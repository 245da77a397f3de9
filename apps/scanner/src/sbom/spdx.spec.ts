import { spdxOf } from './spdx';
import { subject } from '../../../../test/scanner-inventory/sbom-fixture';

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  licenseDeclared?: string;
  primaryPackagePurpose?: string;
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
  [key: string]: unknown;
}

interface SpdxDocument {
  spdxVersion: string;
  dataLicense: string;
  SPDXID: string;
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

/**
 * The SPDX 2.3 rules a document must meet (spec clauses 6 and 7, and the JSON schema's required
 * properties): no npm or Debian package here ships that schema, so the rules are checked one by one.
 */
function spdx23Violations(doc: SpdxDocument): string[] {
  const problems: string[] = [];
  if (doc.spdxVersion !== 'SPDX-2.3') problems.push('spdxVersion');
  if (doc.dataLicense !== 'CC0-1.0') problems.push('dataLicense');
  if (doc.SPDXID !== 'SPDXRef-DOCUMENT') problems.push('SPDXID');
  if (!doc.name) problems.push('name');
  if (!/^[a-z]+:\/\/[^#\s]+$/.test(doc.documentNamespace)) problems.push('documentNamespace');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(doc.creationInfo.created)) problems.push('created');
  if (!doc.creationInfo.creators.length || doc.creationInfo.creators.some((c) => !/^(Person|Organization|Tool): \S/.test(c))) problems.push('creators');
  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  for (const pkg of doc.packages) {
    if (!/^SPDXRef-[A-Za-z0-9.-]+$/.test(pkg.SPDXID) || ids.has(pkg.SPDXID)) problems.push(`SPDXID ${pkg.SPDXID}`);
    ids.add(pkg.SPDXID);
    if (!pkg.name || !pkg.downloadLocation) problems.push(`required fields of ${pkg.SPDXID}`);
    const purposes = ['APPLICATION', 'FRAMEWORK', 'LIBRARY', 'CONTAINER', 'OPERATING-SYSTEM', 'DEVICE', 'FIRMWARE', 'SOURCE', 'ARCHIVE', 'FILE', 'INSTALL', 'OTHER'];
    if (pkg.primaryPackagePurpose && !purposes.includes(pkg.primaryPackagePurpose)) problems.push(`purpose of ${pkg.SPDXID}`);
    for (const ref of pkg.externalRefs ?? []) {
      if (ref.referenceCategory !== 'PACKAGE-MANAGER' || ref.referenceType !== 'purl' || !ref.referenceLocator.startsWith('pkg:')) problems.push(`externalRef of ${pkg.SPDXID}`);
    }
  }
  for (const rel of doc.relationships) {
    if (!ids.has(rel.spdxElementId) || !ids.has(rel.relatedSpdxElement)) problems.push(`relationship ${rel.spdxElementId} ${rel.relatedSpdxElement}`);
  }
  if (!doc.relationships.some((r) => r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES')) problems.push('no DESCRIBES');
  return problems;
}

describe('spdxOf', () => {
  it('writes an SPDX 2.3 document that meets the spec', () => {
    const doc = spdxOf(subject) as unknown as SpdxDocument;
    expect(spdx23Violations(doc)).toEqual([]);
    expect(doc.creationInfo.created).toBe('2026-01-02T03:04:05Z');
    expect(doc.name).toBe(`registry.example:5000/library/app@sha256:${'b'.repeat(64)}`);
  });

  it('lists the image, its OS and each package, contained in the image, with purls and only SPDX license ids declared', () => {
    const doc = spdxOf(subject) as unknown as SpdxDocument;
    expect(doc.packages.map((p) => [p.SPDXID, p.name, p.versionInfo, p.primaryPackagePurpose])).toEqual([
      ['SPDXRef-Image', 'registry.example:5000/library/app', `sha256:${'b'.repeat(64)}`, 'CONTAINER'],
      ['SPDXRef-OperatingSystem', 'debian', '11', 'OPERATING-SYSTEM'],
      ...subject.inventory.packages.map((p, i) => [`SPDXRef-Package-${i + 1}`, p.name, p.version, 'LIBRARY']),
    ]);
    expect(doc.packages.slice(2).map((p) => p.externalRefs?.[0].referenceLocator)).toEqual(subject.inventory.packages.map((p) => p.purl));
    expect(doc.packages.find((p) => p.name === '@babel/core')?.licenseDeclared).toBe('MIT');
    expect(doc.packages.find((p) => p.name === 'requests')).toMatchObject({ licenseDeclared: 'NOASSERTION', licenseComments: 'declared as: Apache 2.0' });
    expect(doc.relationships.filter((r) => r.relationshipType === 'CONTAINS')).toHaveLength(subject.inventory.packages.length + 1);
  });

  it('has its rule check catch a broken document', () => {
    const doc = spdxOf(subject) as unknown as SpdxDocument;
    doc.packages[3].SPDXID = 'SPDXRef-Package 1';
    doc.relationships.push({ spdxElementId: 'SPDXRef-Image', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-Nothing' });
    expect(spdx23Violations(doc)).toEqual(['SPDXID SPDXRef-Package 1', 'relationship SPDXRef-Image SPDXRef-Package-2', 'relationship SPDXRef-Image SPDXRef-Nothing']);
  });
});
