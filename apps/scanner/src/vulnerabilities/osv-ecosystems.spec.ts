import type { InstalledPackage } from '../inventory/inventory';
import { distributionEcosystem, normalisePypiName, osvCoordinatesOf, storedEcosystemOf } from './osv-ecosystems';

const pkg = (fields: Partial<InstalledPackage>): InstalledPackage => ({ ecosystem: 'npm', name: 'x', version: '1', path: '/', purl: 'pkg:npm/x@1', ...fields });

describe('OSV ecosystems', () => {
  it('maps os-release to the ecosystem of the release', () => {
    expect(distributionEcosystem({ family: 'debian', version: '11' })).toBe('Debian:11');
    expect(distributionEcosystem({ family: 'debian', version: '12.4' })).toBe('Debian:12');
    expect(distributionEcosystem({ family: 'debian', version: '' })).toBeNull();
    expect(distributionEcosystem({ family: 'alpine', version: '3.18.4' })).toBe('Alpine:v3.18');
    expect(distributionEcosystem({ family: 'alpine', version: '3.19.0_alpha20230901' })).toBe('Alpine:v3.19');
    expect(distributionEcosystem({ family: 'ubuntu', version: '22.04' })).toBe('Ubuntu:22.04:LTS');
    expect(distributionEcosystem({ family: 'ubuntu', version: '23.10' })).toBe('Ubuntu:23.10');
    expect(distributionEcosystem({ family: 'rocky', version: '9.3' })).toBe('Rocky Linux:9');
    expect(distributionEcosystem({ family: 'almalinux', version: '8.9' })).toBe('AlmaLinux:8');
    expect(distributionEcosystem({ family: 'rhel', version: '9.2' })).toBe('Red Hat:9');
    expect(distributionEcosystem({ family: 'wolfi', version: '20230201' })).toBe('Wolfi');
    expect(distributionEcosystem({ family: 'sles', version: '15.5' })).toBe('SUSE:Linux Enterprise Server 15 SP5');
    expect(distributionEcosystem({ family: 'opensuse-leap', version: '15.5' })).toBe('openSUSE:Leap 15.5');
    expect(distributionEcosystem({ family: 'arch', version: '' })).toBeNull();
  });

  it('keys Red Hat product streams by their major release', () => {
    expect(storedEcosystemOf('Red Hat:enterprise_linux:9::appstream')).toBe('Red Hat:9');
    expect(storedEcosystemOf('Debian:11')).toBe('Debian:11');
  });

  it('normalises PyPI names per PEP 503', () => {
    expect(normalisePypiName('Django_REST.framework')).toBe('django-rest-framework');
    expect(normalisePypiName('zope.interface')).toBe('zope-interface');
  });

  it('looks a Debian binary package up under its source package and version', () => {
    const libssl = pkg({ ecosystem: 'debian', name: 'libssl1.1', version: '1.1.1n-0+deb11u3+b1', sourceName: 'openssl', sourceVersion: '1.1.1n-0+deb11u3' });
    expect(osvCoordinatesOf(libssl, { family: 'debian', version: '11' })).toEqual({ ecosystem: 'Debian:11', name: 'openssl', version: '1.1.1n-0+deb11u3' });
    expect(osvCoordinatesOf(pkg({ ecosystem: 'debian', name: 'bash', version: '5.1-2' }), { family: 'debian', version: '11' })).toEqual({ ecosystem: 'Debian:11', name: 'bash', version: '5.1-2' });
  });

  it('falls back on the package URL\'s distro when there is no os-release', () => {
    expect(osvCoordinatesOf(pkg({ ecosystem: 'debian', name: 'bash', version: '5.1-2', purl: 'pkg:deb/debian/bash@5.1-2?arch=amd64&distro=debian-11' }), null)).toEqual({
      ecosystem: 'Debian:11',
      name: 'bash',
      version: '5.1-2',
    });
    expect(osvCoordinatesOf(pkg({ ecosystem: 'debian', name: 'bash', version: '5.1-2', purl: 'pkg:deb/debian/bash@5.1-2' }), null)).toBeNull();
  });

  it('names language packages as their ecosystems do', () => {
    expect(osvCoordinatesOf(pkg({ ecosystem: 'pypi', name: 'PyYAML', version: '5.3' }), null)).toEqual({ ecosystem: 'PyPI', name: 'pyyaml', version: '5.3' });
    expect(osvCoordinatesOf(pkg({ ecosystem: 'go', name: 'go', version: 'go1.21.1' }), null)).toEqual({ ecosystem: 'Go', name: 'stdlib', version: 'go1.21.1' });
    expect(osvCoordinatesOf(pkg({ ecosystem: 'maven', name: 'log4j-core', version: '2.14.1', purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' }), null)).toEqual({
      ecosystem: 'Maven',
      name: 'org.apache.logging.log4j:log4j-core',
      version: '2.14.1',
    });
    expect(osvCoordinatesOf(pkg({ ecosystem: 'npm', name: '@babel/core', version: '7.0.0' }), null)).toEqual({ ecosystem: 'npm', name: '@babel/core', version: '7.0.0' });
  });
});
