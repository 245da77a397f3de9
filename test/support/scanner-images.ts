/**
 * Test images for the scanner suites, built from files in the test (no base image, no network):
 * tar layers compressed with gzip (zlib), zstd (the `zstd` command) or not at all, pushed to a
 * Wharf with the /v2 client; indexes of them for multi-platform images.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { RegistryClient, sha256 } from './registry-client';
import { tarOf } from './tar-writer';

export type Compression = 'gzip' | 'zstd' | 'none';

const LAYER_TYPES: Record<Compression, string> = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar',
};

export interface TestLayer {
  files: Record<string, string | Buffer>;
  compression: Compression;
}

export interface PushedImage {
  digest: string;
  size: number;
  /** compressed digests, lowest layer first */
  layerDigests: string[];
  diffIds: string[];
  platform: { os: string; architecture: string };
}

export function compress(tar: Buffer, compression: Compression): Buffer {
  if (compression === 'gzip') return gzipSync(tar);
  if (compression === 'zstd') return execFileSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 1 << 30 });
  return tar;
}

/** Pushes an OCI image of `layers` (config with their diff ids) and tags it. */
export async function pushTestImage(client: RegistryClient, repository: string, tag: string, layers: TestLayer[], architecture = 'amd64'): Promise<PushedImage> {
  const descriptors = [];
  const diffIds: string[] = [];
  for (const layer of layers) {
    const tar = tarOf(layer.files);
    diffIds.push(sha256(tar));
    const blob = compress(tar, layer.compression);
    const pushed = await client.pushBlob(repository, blob);
    descriptors.push({ mediaType: LAYER_TYPES[layer.compression], digest: pushed.digest, size: pushed.size });
  }
  const config = Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds }, config: {} }));
  const configDescriptor = { ...(await client.pushBlob(repository, config)), mediaType: 'application/vnd.oci.image.config.v1+json' };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDescriptor, layers: descriptors }));
  const response = await client.pushManifest(repository, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  if (response.status !== 201) throw new Error(`manifest push failed: ${response.status} ${await response.text()}`);
  return { digest: sha256(manifest), size: manifest.length, layerDigests: descriptors.map((d) => d.digest), diffIds, platform: { os: 'linux', architecture } };
}

/** Pushes an OCI index of the images (plus an attestation-like unknown/unknown entry, which the scanner must skip). */
export async function pushTestIndex(client: RegistryClient, repository: string, tag: string, images: PushedImage[], attestation?: PushedImage): Promise<string> {
  const manifests = images.map((image) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: image.size, platform: image.platform }));
  if (attestation) manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: attestation.digest, size: attestation.size, platform: { os: 'unknown', architecture: 'unknown' } });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  const response = await client.pushManifest(repository, tag, index, 'application/vnd.oci.image.index.v1+json');
  if (response.status !== 201) throw new Error(`index push failed: ${response.status} ${await response.text()}`);
  return sha256(index);
}

/** dpkg `status` paragraphs of these packages as this machine has them installed (real package metadata). */
export function machineDpkgEntries(names: string[]): string[] {
  const path = '/var/lib/dpkg/status';
  if (!existsSync(path)) return [];
  const wanted = new Set(names);
  return readFileSync(path, 'utf8')
    .split(/\n\s*\n/)
    .filter((paragraph) => wanted.has(/^Package: (.+)$/m.exec(paragraph)?.[1] ?? ''));
}

/** A dpkg `status` paragraph as dpkg writes it. */
export function dpkgEntry(name: string, version: string, source?: string): string {
  return [`Package: ${name}`, 'Status: install ok installed', 'Priority: optional', 'Architecture: amd64', ...(source ? [`Source: ${source}`] : []), `Version: ${version}`, `Description: ${name}`].join('\n');
}

export const DEBIAN_11_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\nVERSION_ID="11"\nVERSION="11 (bullseye)"\nID=debian\n';
