import { randomUUID } from 'node:crypto';
import type { InstalledPackage } from '../inventory/inventory';
import { imagePurl, imageReference, type SbomSubject } from './sbom-subject';

export const CYCLONEDX_MEDIA_TYPE = 'application/vnd.cyclonedx+json';

/**
 * A CycloneDX 1.6 JSON BOM of an image: the image as the metadata's `container` component, its
 * operating system and every package as components (purl, licenses by name, where it was found as
 * properties), and the image depending on all of them.
 */
export function cycloneDxOf(subject: SbomSubject): Record<string, unknown> {
  const imageRef = imagePurl(subject);
  const used = new Set<string>([imageRef]);
  const uniqueRef = (wanted: string) => {
    let ref = wanted;
    for (let n = 2; used.has(ref); n++) ref = `${wanted}#${n}`;
    used.add(ref);
    return ref;
  };
  const components: Record<string, unknown>[] = [];
  const { os } = subject.inventory;
  if (os) {
    components.push({
      'bom-ref': uniqueRef(`os:${os.family}@${os.version}`),
      type: 'operating-system',
      name: os.family,
      version: os.version,
      ...(os.prettyName ? { description: os.prettyName } : {}),
    });
  }
  for (const pkg of subject.inventory.packages) components.push(component(pkg, uniqueRef(pkg.purl)));
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: (subject.created ?? new Date()).toISOString(),
      tools: { components: [{ type: 'application', group: subject.tool.vendor, name: subject.tool.name, version: subject.tool.version }] },
      component: {
        'bom-ref': imageRef,
        type: 'container',
        name: imageReference(subject).replace(/@sha256:.*$/, ''),
        version: subject.image.digest,
        purl: imageRef,
      },
    },
    components,
    dependencies: [{ ref: imageRef, dependsOn: components.map((c) => c['bom-ref'] as string) }],
  };
}

function component(pkg: InstalledPackage, ref: string): Record<string, unknown> {
  const [group, name] = splitName(pkg);
  const properties = [
    { name: 'wharf:package:ecosystem', value: pkg.ecosystem },
    { name: 'wharf:package:path', value: pkg.path },
    ...(pkg.layerDigest ? [{ name: 'wharf:layer:digest', value: pkg.layerDigest }] : []),
    ...(pkg.sourceName ? [{ name: 'wharf:package:source-name', value: pkg.sourceName }] : []),
    ...(pkg.sourceVersion ? [{ name: 'wharf:package:source-version', value: pkg.sourceVersion }] : []),
  ];
  return {
    'bom-ref': ref,
    type: 'library',
    ...(group ? { group } : {}),
    name,
    version: pkg.version,
    purl: pkg.purl,
    ...(pkg.licenses?.length ? { licenses: pkg.licenses.map((license) => ({ license: { name: license } })) } : {}),
    properties,
  };
}

/** npm scopes and Maven group ids are CycloneDX groups. */
function splitName(pkg: InstalledPackage): [string | undefined, string] {
  if (pkg.ecosystem === 'npm' && pkg.name.startsWith('@') && pkg.name.includes('/')) {
    const slash = pkg.name.indexOf('/');
    return [pkg.name.slice(0, slash), pkg.name.slice(slash + 1)];
  }
  if (pkg.ecosystem === 'maven' && pkg.name.includes(':')) {
    const [group, artifact] = pkg.name.split(':', 2);
    return [group, artifact];
  }
  return [undefined, pkg.name];
}
