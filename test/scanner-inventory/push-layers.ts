import { gzipSync } from 'node:zlib';
import { RegistryClient, sha256 } from '../support/registry-client';
import type { Credentials } from '../support/test-credentials';

/** Pushes an OCI image of the given (uncompressed) layer tarballs, gzipped, and tags it; answers the manifest digest. */
export async function pushLayers(registryUrl: string, repository: string, tag: string, credentials: Credentials | null, tars: Buffer[]): Promise<string> {
  const client = new RegistryClient(registryUrl, credentials);
  const push = async (data: Buffer, mediaType: string) => {
    const digest = sha256(data);
    const opened = await client.fetch(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    if (opened.status !== 202) throw new Error(`upload open failed: ${opened.status}`);
    const location = new URL(opened.headers.get('location')!, client.baseUrl);
    location.searchParams.set('digest', digest);
    const done = await client.fetch(location.pathname + location.search, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
    if (done.status !== 201) throw new Error(`upload failed: ${done.status}`);
    return { mediaType, digest, size: data.length };
  };
  const layers = [];
  for (const tar of tars) layers.push(await push(gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip'));
  const config = await push(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) } })),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers }));
  const response = await client.pushManifest(repository, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  if (response.status !== 201) throw new Error(`manifest push failed: ${response.status}`);
  return sha256(manifest);
}
