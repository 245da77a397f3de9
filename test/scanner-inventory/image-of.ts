import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { PulledImage } from '../../apps/scanner/src/registry/pulled-image';

/** A pulled image whose layers are the given (uncompressed) tarballs, lowest first. */
export function imageOf(layers: Buffer[], repository = 'library/test'): PulledImage {
  return {
    registryUrl: 'http://127.0.0.1:1',
    repository,
    digest: `sha256:${createHash('sha256').update(layers.map((l) => createHash('sha256').update(l).digest('hex')).join()).digest('hex')}`,
    platform: 'linux/amd64',
    config: {},
    layers: layers.map((tar) => ({
      digest: `sha256:${createHash('sha256').update(tar).digest('hex')}`,
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      size: tar.length,
      // chunked as a socket would hand it over
      open: async () => Readable.from((function* () {
        for (let at = 0; at < tar.length; at += 65536) yield tar.subarray(at, at + 65536);
      })()),
    })),
  };
}
