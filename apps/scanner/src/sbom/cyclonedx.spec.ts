import { cycloneDx16Validator } from '../../../../test/scanner-inventory/sbom-schemas';
import { cycloneDxOf } from './cyclonedx';
import { subject } from '../../../../test/scanner-inventory/sbom-fixture';

describe('cycloneDxOf', () => {
  const validate = cycloneDx16Validator();

  it('writes a CycloneDX 1.6 BOM the official schema accepts', () => {
    const bom = cycloneDxOf(subject);
    const valid = validate(bom);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('describes the image as a container, and every package and the OS as its components', () => {
    const bom = cycloneDxOf(subject) as { metadata: { component: Record<string, unknown>; timestamp: string }; components: Record<string, unknown>[]; dependencies: { ref: string; dependsOn: string[] }[] };
    expect(bom.metadata.timestamp).toBe('2026-01-02T03:04:05.678Z');
    expect(bom.metadata.component).toMatchObject({
      type: 'container',
      name: 'registry.example:5000/library/app',
      purl: `pkg:oci/app@sha256%3A${'b'.repeat(64)}?repository_url=registry.example%3A5000%2Flibrary%2Fapp&tag=v1`,
    });
    expect(bom.components.map((c) => [c.type, c.group, c.name, c.version, c.purl])).toEqual([
      ['operating-system', undefined, 'debian', '11', undefined],
      ['library', undefined, 'libssl1.1', '1.1.1n-0+deb11u3', 'pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11'],
      ['library', '@babel', 'core', '7.22.0', 'pkg:npm/%40babel/core@7.22.0'],
      ['library', undefined, 'lodash', '4.17.15', 'pkg:npm/lodash@4.17.15'],
      ['library', undefined, 'lodash', '4.17.15', 'pkg:npm/lodash@4.17.15'],
      ['library', undefined, 'requests', '2.25.1', 'pkg:pypi/requests@2.25.1'],
      ['library', 'org.apache.logging.log4j', 'log4j-core', '2.14.1', 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'],
    ]);
    const refs = bom.components.map((c) => c['bom-ref'] as string);
    expect(new Set(refs).size).toBe(refs.length);
    expect(bom.dependencies).toEqual([{ ref: bom.metadata.component['bom-ref'], dependsOn: refs }]);
    expect(bom.components[1].properties).toEqual(
      expect.arrayContaining([
        { name: 'wharf:package:source-name', value: 'openssl' },
        { name: 'wharf:package:path', value: '/var/lib/dpkg/status' },
      ]),
    );
  });

  it('would be refused by the schema if it broke the format', () => {
    const bom = cycloneDxOf(subject) as { components: Record<string, unknown>[] };
    bom.components[1].type = 'not-a-type';
    expect(validate(bom)).toBe(false);
  });
});
