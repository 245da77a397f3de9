import { createHash } from 'node:crypto';
import { HttpClient, expectStatus, type HttpRequest, type HttpResponse } from './http-client';
import type { PatternBlob } from './blob-data';

/**
 * How a registry takes a blob in "one go". The OCI spec lets a registry refuse the single
 * POST ?digest= upload (docker-registry v2.8 answers 202 and ignores the body); the client then
 * does POST + PUT ?digest= with the body, so that is what "monolithic" means for such a registry.
 */
export type MonolithicFlavor = 'single POST' | 'POST+PUT';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

const OCTET_STREAM = { 'content-type': 'application/octet-stream' };

/**
 * The /v2 calls the blob and memory scenarios make, over one keep-alive connection.
 * `authorization` (the target's, e.g. Wharf's `Bearer <token>`) goes on every request, as a
 * docker client sends it once logged in.
 */
export class BenchRegistryClient {
  private readonly http = new HttpClient();

  constructor(
    readonly baseUrl: string,
    private readonly authorization?: string,
  ) {}

  /** POST …/blobs/uploads/ without a body: the upload session's absolute URL. */
  async startUpload(repository: string): Promise<URL> {
    const response = await this.request({ method: 'POST', url: this.url(`/v2/${repository}/blobs/uploads/`), headers: { 'content-length': '0' } });
    expectStatus(response, 202, `POST /v2/${repository}/blobs/uploads/`);
    return this.location(response.headers.location);
  }

  /** Monolithic push: the blob in a single request body (single POST, or POST + PUT). */
  async pushMonolithic(repository: string, blob: PatternBlob, flavor: MonolithicFlavor): Promise<void> {
    const digest = blob.digest();
    const headers = { ...OCTET_STREAM, 'content-length': String(blob.size) };
    if (flavor === 'single POST') {
      const url = this.url(`/v2/${repository}/blobs/uploads/?digest=${digest}`);
      const response = await this.request({ method: 'POST', url, headers, body: blob.stream() });
      return expectStatus(response, 201, `POST ?digest= (${blob.size} B)`);
    }
    const url = await this.startUpload(repository);
    url.searchParams.set('digest', digest);
    const response = await this.request({ method: 'PUT', url, headers, body: blob.stream() });
    expectStatus(response, 201, `PUT ?digest= (${blob.size} B)`);
  }

  /**
   * docker push's way: POST, one PATCH streaming the whole layer (chunked, no Content-Length),
   * then PUT ?digest= with no body; the digest is computed while the bytes go out, as docker does.
   */
  async pushDockerStyle(repository: string, blob: PatternBlob): Promise<string> {
    const upload = await this.startUpload(repository);
    const hash = createHash('sha256');
    const patched = await this.request({ method: 'PATCH', url: upload, headers: OCTET_STREAM, body: blob.stream(hash) });
    expectStatus(patched, 202, `PATCH (${blob.size} B)`);
    const digest = `sha256:${hash.digest('hex')}`;
    const finish = this.location(patched.headers.location);
    finish.searchParams.set('digest', digest);
    const response = await this.request({ method: 'PUT', url: finish, headers: { 'content-length': '0' } });
    expectStatus(response, 201, 'PUT ?digest= after PATCH');
    return digest;
  }

  /** GET a blob, counting (not keeping) its bytes; returns the byte count. */
  async pullBlob(repository: string, digest: string, expectedSize: number): Promise<number> {
    const response = await this.request({ method: 'GET', url: this.url(`/v2/${repository}/blobs/${digest}`), response: 'count' });
    expectStatus(response, 200, `GET blob ${digest.slice(0, 19)}…`);
    if (response.bytes !== expectedSize) throw new Error(`GET blob returned ${response.bytes} bytes, expected ${expectedSize}`);
    return response.bytes;
  }

  async putManifest(repository: string, reference: string, body: Buffer, mediaType: string): Promise<void> {
    const response = await this.request({ method: 'PUT', url: this.url(`/v2/${repository}/manifests/${reference}`), headers: { 'content-type': mediaType }, body });
    expectStatus(response, 201, `PUT manifest ${reference}`);
  }

  /** A tiny buffer pushed the simplest way the registry supports; tells which flavor that was. */
  async probeMonolithicFlavor(repository: string, data: Buffer): Promise<MonolithicFlavor> {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const url = this.url(`/v2/${repository}/blobs/uploads/?digest=${digest}`);
    const response = await this.request({ method: 'POST', url, headers: OCTET_STREAM, body: data });
    if (response.status === 201) return 'single POST';
    expectStatus(response, 202, 'POST ?digest= probe');
    const put = this.location(response.headers.location);
    put.searchParams.set('digest', digest);
    const finished = await this.request({ method: 'PUT', url: put, headers: OCTET_STREAM, body: data });
    expectStatus(finished, 201, 'PUT ?digest= probe');
    return 'POST+PUT';
  }

  /** Small blobs for fixtures (manifest config and layer). */
  async pushBuffer(repository: string, data: Buffer, flavor: MonolithicFlavor): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (flavor === 'single POST') {
      const response = await this.request({ method: 'POST', url: this.url(`/v2/${repository}/blobs/uploads/?digest=${digest}`), headers: OCTET_STREAM, body: data });
      expectStatus(response, 201, 'POST ?digest=');
    } else {
      const url = await this.startUpload(repository);
      url.searchParams.set('digest', digest);
      expectStatus(await this.request({ method: 'PUT', url, headers: OCTET_STREAM, body: data }), 201, 'PUT ?digest=');
    }
    return digest;
  }

  close(): void {
    this.http.close();
  }

  private request(options: HttpRequest): Promise<HttpResponse> {
    return this.http.request(this.authorization ? { ...options, headers: { ...options.headers, authorization: this.authorization } } : options);
  }

  private url(path: string): URL {
    return new URL(path, this.baseUrl);
  }

  /** Upload Location headers are relative (Wharf) or absolute with a _state query (docker-registry). */
  private location(header: string | undefined): URL {
    if (!header) throw new Error('response has no Location header');
    return new URL(header, this.baseUrl);
  }
}
