import { Test } from '@nestjs/testing';
import { Readable } from 'node:stream';
import { tarOf } from '../../../../test/support/tar-writer';
import { INVENTORY_DETECTORS, InventoryCollector } from './collect-inventory';
import { OsReleaseDetector } from './detectors/os-release.detector';

const imageOf = (tar: Buffer) => ({
  registryUrl: 'http://127.0.0.1:1',
  repository: 'r',
  digest: 'sha256:0',
  config: {},
  layers: [{ digest: 'sha256:1', mediaType: 'application/vnd.oci.image.layer.v1.tar', size: tar.length, open: async () => Readable.from([tar]) }],
});

describe('InventoryCollector', () => {
  const tar = tarOf({ 'etc/os-release': 'ID=alpine\nVERSION_ID=3.19.0\n', 'app/node_modules/a/package.json': '{"name":"a","version":"1.0.0"}' });

  it('is provided by Nest with every detector', async () => {
    const module = await Test.createTestingModule({ providers: [InventoryCollector] }).compile();
    const inventory = await module.get(InventoryCollector).collectInventory(imageOf(tar));
    expect(inventory.os).toEqual({ family: 'alpine', version: '3.19.0', prettyName: undefined });
    expect(inventory.packages.map((p) => p.purl)).toEqual(['pkg:npm/a@1.0.0']);
  });

  it('takes another set of detectors through INVENTORY_DETECTORS', async () => {
    const module = await Test.createTestingModule({ providers: [InventoryCollector, { provide: INVENTORY_DETECTORS, useValue: [new OsReleaseDetector()] }] }).compile();
    expect((await module.get(InventoryCollector).collectInventory(imageOf(tar))).packages).toEqual([]);
  });

  it('fails the inventory when a layer breaks off or is cut short, rather than listing half of it', async () => {
    const withLayer = (open: () => Promise<Readable>) => ({ ...imageOf(tar), layers: [{ ...imageOf(tar).layers[0], open }] });
    const reset = withLayer(async () => new Readable({ read() { this.destroy(new Error('connection reset')); } }));
    await expect(new InventoryCollector().collectInventory(reset)).rejects.toThrow('connection reset');
    const truncated = withLayer(async () => Readable.from([tar.subarray(0, 700)]));
    await expect(new InventoryCollector().collectInventory(truncated)).rejects.toThrow();
  });

  it('files dpkg packages of Ubuntu under ubuntu, and reads distroless status.d entries', async () => {
    const ubuntu = tarOf({
      'etc/os-release': 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 22.04.3 LTS"\n',
      'var/lib/dpkg/status': 'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.2-0ubuntu1.10\n',
      'var/lib/dpkg/status.d/tzdata': 'Package: tzdata\nVersion: 2023c-0ubuntu0.22.04.2\nArchitecture: all\n',
      'var/lib/dpkg/status.d/tzdata.md5sums': 'd41d8cd98f00b204e9800998ecf8427e  usr/share/zoneinfo/UTC\n',
    });
    const inventory = await new InventoryCollector().collectInventory(imageOf(ubuntu));
    expect(inventory.packages.map((p) => [p.ecosystem, p.name, p.path, p.purl])).toEqual([
      ['ubuntu', 'libssl3', '/var/lib/dpkg/status', 'pkg:deb/ubuntu/libssl3@3.0.2-0ubuntu1.10?arch=amd64&distro=ubuntu-22.04'],
      ['ubuntu', 'tzdata', '/var/lib/dpkg/status.d/tzdata', 'pkg:deb/ubuntu/tzdata@2023c-0ubuntu0.22.04.2?arch=all&distro=ubuntu-22.04'],
    ]);
  });
});
