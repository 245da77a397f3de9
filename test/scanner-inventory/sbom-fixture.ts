import type { Inventory } from '../../apps/scanner/src/inventory/inventory';
import type { SbomSubject } from '../../apps/scanner/src/sbom/sbom-subject';

/** An inventory with one package of each kind an SBOM names differently (scoped, grouped, duplicated). */
export const inventory: Inventory = {
  os: { family: 'debian', version: '11', prettyName: 'Debian GNU/Linux 11 (bullseye)' },
  packages: [
    {
      ecosystem: 'debian',
      name: 'libssl1.1',
      version: '1.1.1n-0+deb11u3',
      sourceName: 'openssl',
      sourceVersion: '1.1.1n-0+deb11u3',
      path: '/var/lib/dpkg/status',
      purl: 'pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11',
      layerDigest: 'sha256:' + 'a'.repeat(64),
    },
    { ecosystem: 'npm', name: '@babel/core', version: '7.22.0', path: '/app/package-lock.json', purl: 'pkg:npm/%40babel/core@7.22.0', licenses: ['MIT'] },
    { ecosystem: 'npm', name: 'lodash', version: '4.17.15', path: '/app/package-lock.json', purl: 'pkg:npm/lodash@4.17.15', licenses: ['MIT'] },
    { ecosystem: 'npm', name: 'lodash', version: '4.17.15', path: '/srv/package-lock.json', purl: 'pkg:npm/lodash@4.17.15' },
    { ecosystem: 'pypi', name: 'requests', version: '2.25.1', path: '/usr/lib/python3/dist-packages/requests-2.25.1.dist-info/METADATA', purl: 'pkg:pypi/requests@2.25.1', licenses: ['Apache 2.0'] },
    { ecosystem: 'maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1', path: '/srv/app.jar', purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' },
  ],
};

export const subject: SbomSubject = {
  inventory,
  image: { registryUrl: 'https://registry.example:5000', repository: 'library/app', digest: 'sha256:' + 'b'.repeat(64), tag: 'v1' },
  tool: { vendor: 'Wharf', name: 'wharf-scanner', version: '0.1.0' },
  created: new Date('2026-01-02T03:04:05.678Z'),
};
