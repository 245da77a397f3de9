import { readFileSync } from 'node:fs';
import { collectInventory } from '../../apps/scanner/src/inventory/collect-inventory';
import { cycloneDxOf } from '../../apps/scanner/src/sbom/cyclonedx';
import { spdxOf } from '../../apps/scanner/src/sbom/spdx';
import { tarOf } from '../support/tar-writer';
import { imageOf } from './image-of';
import { cycloneDx16Validator } from './sbom-schemas';

describe('SBOMs of a collected inventory', () => {
  it('name every package found in the image, in a CycloneDX the schema accepts and in SPDX', async () => {
    const status = readFileSync('/var/lib/dpkg/status', 'utf8').split('\n\n');
    const image = imageOf([
      tarOf({
        'usr/lib/os-release': readFileSync('/usr/lib/os-release'),
        'var/lib/dpkg/status': `${status.filter((p) => /^Package: (libssl3|openssl|zlib1g)\n/.test(p)).join('\n\n')}\n`,
        'app/node_modules/@babel/core/package.json': JSON.stringify({ name: '@babel/core', version: '7.22.0', license: 'MIT' }),
      }),
    ]);
    const inventory = await collectInventory(image);
    expect(inventory.packages).toHaveLength(4);
    const subject = { inventory, image: { registryUrl: 'http://127.0.0.1:5000', repository: 'library/app', digest: image.digest }, tool: { vendor: 'Wharf', name: 'wharf-scanner', version: '0.1.0' } };

    const bom = cycloneDxOf(subject) as { components: { purl?: string }[] };
    const validate = cycloneDx16Validator();
    expect(validate(bom) ? [] : validate.errors).toEqual([]);
    expect(bom.components.map((c) => c.purl).filter(Boolean)).toEqual(inventory.packages.map((p) => p.purl));

    const spdx = spdxOf(subject) as { packages: { externalRefs?: { referenceLocator: string }[]; primaryPackagePurpose?: string }[] };
    expect(spdx.packages.filter((p) => p.primaryPackagePurpose === 'LIBRARY').map((p) => p.externalRefs?.[0].referenceLocator)).toEqual(inventory.packages.map((p) => p.purl));
  });
});
