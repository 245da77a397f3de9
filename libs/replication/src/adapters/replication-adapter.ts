import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DistributionClient,
  UpstreamProtocolError,
  UpstreamUnavailableError,
  checkedName,
  checkReference,
  describeUrl,
  discard,
  errorForStatus,
  header,
  isDigest,
  nextLink,
  pullScope,
  readBounded,
  type RegistryType,
  type UpstreamClientOptions,
  type UpstreamEndpoint,
} from '@wharf/registries';
import type { Dispatcher } from 'undici';

/**
 * The replication side of a registry endpoint: the distribution client's read side plus the
 * write side (blob HEAD, cross-repository mount, monolithic and chunked uploads, manifest PUT and
 * DELETE) and catalog listing. Every registry type's adapter extends it; what differs by type is
 * the URL, the repository names, whether it takes pushes and how its catalog is best listed.
 */

const MAX_CATALOG_PAGE_BYTES = 16 * 1024 * 1024;
const MAX_CATALOG_PAGES = 10_000;
const CATALOG_PAGE_SIZE = 1000;

export interface Referrer {
  digest: string;
  mediaType: string;
  artifactType?: string;
}

/** Where an upload goes on: the session URL a POST (or a mount the registry could not do) opened. */
export interface UploadSession {
  location: URL;
}

export type MountOutcome = { mounted: true } | { mounted: false; session: UploadSession };

export class ReplicationAdapter extends DistributionClient {
  constructor(
    readonly type: RegistryType,
    endpoint: UpstreamEndpoint,
    options: UpstreamClientOptions = {},
  ) {
    super(endpoint, options);
  }

  /** Whether content may be pushed to this endpoint (a push-based policy's destination). */
  get acceptsPushes(): boolean {
    return true;
  }

  /**
   * Cross-repository mount (`POST /v2/<name>/blobs/uploads/?mount=&from=`): 201 is done; a 202
   * opened an upload instead (the registry could not mount it), which the caller goes on with.
   */
  async mountBlob(repository: string, digest: string, from: string, signal?: AbortSignal): Promise<MountOutcome> {
    const name = checkedName(this.upstreamName(repository));
    const source = checkedName(this.upstreamName(from));
    const url = this.url(`v2/${name}/blobs/uploads/`);
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', source);
    const what = `mount ${digest} from ${source} into ${name}`;
    const response = await this.send({ method: 'POST', url, scope: `${pushScope(name)} ${pullScope(source)}`, signal, what });
    await discard(response);
    if (response.statusCode === 201) return { mounted: true };
    if (response.statusCode === 202) return { mounted: false, session: { location: this.sessionUrl(response, what) } };
    throw errorForStatus(response.statusCode, what);
  }

  /** Opens an upload session (POST without a body). */
  async startUpload(repository: string, signal?: AbortSignal): Promise<UploadSession> {
    const name = checkedName(this.upstreamName(repository));
    const what = `open upload in ${name}`;
    const response = await this.send({ method: 'POST', url: this.url(`v2/${name}/blobs/uploads/`), scope: pushScope(name), signal, what });
    await discard(response);
    if (response.statusCode !== 202) throw errorForStatus(response.statusCode, what);
    return { location: this.sessionUrl(response, what) };
  }

  /** The whole blob in one PUT `?digest=` on the session (distribution 2.8 ignores a POST body, so no POST `?digest=`). */
  async putMonolithic(repository: string, session: UploadSession, digest: string, size: number, body: Readable, signal?: AbortSignal): Promise<void> {
    const name = checkedName(this.upstreamName(repository));
    const url = new URL(session.location);
    url.searchParams.set('digest', digest);
    const what = `PUT blob ${name}@${digest}`;
    const response = await this.send({
      method: 'PUT',
      url,
      scope: pushScope(name),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body,
      signal,
      what,
    });
    await discard(response);
    // a token that expired while the blob streamed: worth another attempt (it fetches a fresh one)
    if (response.statusCode === 401) throw new UpstreamUnavailableError(`${what}: the credential was refused mid-upload (an expired token); retrying`, 401);
    if (response.statusCode !== 201) throw errorForStatus(response.statusCode, what);
  }

  /** One PATCH of a chunked upload, `Content-Range: <start>-<end>`; returns the session's next URL. */
  async patchChunk(repository: string, session: UploadSession, start: number, chunk: Buffer, signal?: AbortSignal): Promise<UploadSession> {
    const name = checkedName(this.upstreamName(repository));
    const what = `PATCH upload ${name} at ${start}`;
    const response = await this.send({
      method: 'PATCH',
      url: session.location,
      scope: pushScope(name),
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + chunk.length - 1}`, 'content-length': String(chunk.length) },
      body: chunk,
      signal,
      what,
    });
    await discard(response);
    if (response.statusCode !== 202) throw errorForStatus(response.statusCode, what);
    return { location: this.sessionUrl(response, what) };
  }

  /** Closes a chunked upload: PUT `?digest=` without a body. */
  async finishUpload(repository: string, session: UploadSession, digest: string, signal?: AbortSignal): Promise<void> {
    const name = checkedName(this.upstreamName(repository));
    const url = new URL(session.location);
    url.searchParams.set('digest', digest);
    const what = `finish upload ${name}@${digest}`;
    const response = await this.send({ method: 'PUT', url, scope: pushScope(name), headers: { 'content-length': '0' }, body: Buffer.alloc(0), signal, what });
    await discard(response);
    if (response.statusCode !== 201) throw errorForStatus(response.statusCode, what);
  }

  /** PUT of a manifest by tag or digest; returns the digest of the bytes sent. */
  async putManifest(repository: string, reference: string, body: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
    const name = checkedName(this.upstreamName(repository));
    checkReference(reference);
    const what = `PUT manifest ${name}:${reference}`;
    const response = await this.send({
      method: 'PUT',
      url: this.url(`v2/${name}/manifests/${reference}`),
      scope: pushScope(name),
      headers: { 'content-type': mediaType },
      body,
      signal,
      what,
    });
    await discard(response);
    if (response.statusCode !== 201) throw errorForStatus(response.statusCode, what);
    return `sha256:${createHash('sha256').update(body).digest('hex')}`;
  }

  /** DELETE of a manifest by digest (the artifact) or tag (the tag alone, where the registry supports it); false on 404. */
  async deleteManifest(repository: string, reference: string, signal?: AbortSignal): Promise<boolean> {
    const name = checkedName(this.upstreamName(repository));
    checkReference(reference);
    const what = `DELETE manifest ${name}:${reference}`;
    const response = await this.send({ method: 'DELETE', url: this.url(`v2/${name}/manifests/${reference}`), scope: deleteScope(name), signal, what });
    await discard(response);
    if (response.statusCode === 404) return false;
    if (response.statusCode !== 202 && response.statusCode !== 200) throw errorForStatus(response.statusCode, what);
    return true;
  }

  /** The referrers of a manifest (OCI 1.1 API); an empty list where the registry has no referrers API. */
  async referrers(repository: string, digest: string, signal?: AbortSignal): Promise<Referrer[]> {
    const name = checkedName(this.upstreamName(repository));
    if (!isDigest(digest)) throw new TypeError(`not a digest: ${digest}`);
    const what = `GET referrers ${name}@${digest}`;
    const response = await this.send({ method: 'GET', url: this.url(`v2/${name}/referrers/${digest}`), scope: pullScope(name), signal, what });
    if (response.statusCode !== 200) {
      await discard(response);
      // 404 (no such API, distribution 2.8), 405, 400: nothing to follow this way
      if (response.statusCode >= 400 && response.statusCode < 500) return [];
      throw errorForStatus(response.statusCode, what);
    }
    const body = await readBounded(response, MAX_CATALOG_PAGE_BYTES, what, signal);
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { manifests?: Referrer[] };
      return (parsed.manifests ?? []).filter((m) => typeof m.digest === 'string' && isDigest(m.digest));
    } catch {
      throw new UpstreamProtocolError(`${what}: the referrers index is not JSON`);
    }
  }

  /** Every repository the endpoint lists (`/v2/_catalog`, following Link pagination). */
  async repositories(signal?: AbortSignal): Promise<string[]> {
    const what = 'GET catalog';
    let url: URL | null = this.url('v2/_catalog');
    url.searchParams.set('n', String(CATALOG_PAGE_SIZE));
    const names: string[] = [];
    for (let page = 0; url; page += 1) {
      if (page >= MAX_CATALOG_PAGES) throw new UpstreamProtocolError(`${what}: more than ${MAX_CATALOG_PAGES} pages`);
      const response = await this.send({ method: 'GET', url, scope: 'registry:catalog:*', signal, what });
      if (response.statusCode !== 200) {
        await discard(response);
        throw errorForStatus(response.statusCode, `${what} (${describeUrl(url)})`);
      }
      const body = await readBounded(response, MAX_CATALOG_PAGE_BYTES, what, signal);
      let parsed: { repositories?: unknown };
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new UpstreamProtocolError(`${what}: the catalog is not JSON`);
      }
      if (parsed.repositories != null && !(Array.isArray(parsed.repositories) && parsed.repositories.every((r) => typeof r === 'string'))) {
        throw new UpstreamProtocolError(`${what}: the catalog is malformed`);
      }
      names.push(...((parsed.repositories as string[] | null) ?? []));
      const next = nextLink(header(response, 'link'));
      url = next ? new URL(next, url) : null;
      if (url && url.origin !== this.baseUrl.origin) throw new UpstreamProtocolError(`${what}: next page on another host (${url.origin})`);
    }
    return names;
  }

  /** A session's URL, resolved against the request and kept on the registry's origin (our credential goes there). */
  private sessionUrl(response: Dispatcher.ResponseData, what: string): URL {
    const location = header(response, 'location');
    if (!location) throw new UpstreamProtocolError(`${what}: no Location for the upload`);
    const url = new URL(location, this.baseUrl);
    if (url.origin !== this.baseUrl.origin) throw new UpstreamProtocolError(`${what}: upload on another host (${url.origin})`);
    return url;
  }
}

export const pushScope = (name: string): string => `repository:${name}:pull,push`;
const deleteScope = (name: string): string => `repository:${name}:delete`;
