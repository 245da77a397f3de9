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
});
