import { createHash, randomBytes } from 'node:crypto';
import { TEST_ADMIN, basicAuth, type Credentials } from './test-credentials';

export const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
export const sha512 = (data: Buffer | string): string => `sha512:${createHash('sha512').update(data).digest('hex')}`;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  [key: string]: unknown;
}

/**
 * A tiny /v2 client over fetch, for tests that check the wire protocol itself. It sends Basic
 * credentials (the test admin unless told otherwise; null for anonymous) unless a request sets
 * its own Authorization header.
 */
export class RegistryClient {
  constructor(
    readonly baseUrl: string,
    readonly credentials: Credentials | null = TEST_ADMIN,
  ) {}

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.credentials && !headers.has('authorization')) headers.set('authorization', basicAuth(this.credentials));
    return fetch(`${this.baseUrl}${path}`, { redirect: 'manual', ...init, headers });
  }

  /** Monolithic POST ?digest= upload. */
  async pushBlob(repository: string, data: Buffer): Promise<Descriptor> {
    const digest = sha256(data);
    const response = await this.fetch(`/v2/${repository}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (response.status !== 201) throw new Error(`blob push failed: ${response.status} ${await response.text()}`);
    return { mediaType: 'application/octet-stream', digest, size: data.length };
  }

  async pushManifest(repository: string, reference: string, manifest: object | Buffer, mediaType: string): Promise<Response> {
    const body = Buffer.isBuffer(manifest) ? manifest : Buffer.from(JSON.stringify(manifest));
    return this.fetch(`/v2/${repository}/manifests/${reference}`, { method: 'PUT', body, headers: { 'content-type': mediaType } });
  }

  /** Pushes a config and `layers` random layers and an OCI image manifest; returns its bytes and digest. */
  async pushImage(repository: string, tag: string, options: { layers?: number; layerSize?: number; config?: object } = {}): Promise<{ manifest: Buffer; digest: string; layers: Descriptor[] }> {
    const config = Buffer.from(JSON.stringify(options.config ?? { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const configDescriptor = { ...(await this.pushBlob(repository, config)), mediaType: 'application/vnd.oci.image.config.v1+json' };
    const layers: Descriptor[] = [];
    for (let i = 0; i < (options.layers ?? 2); i += 1) {
      const layer = await this.pushBlob(repository, randomBytes(options.layerSize ?? 1024));
      layers.push({ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
    }
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDescriptor, layers }));
    const response = await this.pushManifest(repository, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
    if (response.status !== 201) throw new Error(`manifest push failed: ${response.status} ${await response.text()}`);
    return { manifest, digest: sha256(manifest), layers };
  }
}

export async function errorCode(response: Response): Promise<string | undefined> {
  const body = (await response.json()) as { errors?: { code: string }[] };
  return body.errors?.[0]?.code;
}
