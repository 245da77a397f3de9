import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import type { UpstreamEndpoint } from '../registry-endpoint';
import { UpstreamAuthenticator } from './upstream-authenticator';
import { DEFAULT_UPSTREAM_TIMEOUT_MS, type UpstreamClientOptions } from './upstream-client-options';
import { classifyThrown, describeUrl, errorForStatus } from './upstream-failure';
import {
  UpstreamProtocolError,
  type UpstreamBlob,
  type UpstreamManifest,
  type UpstreamManifestHead,
  type UpstreamRegistry,
  type UpstreamRequestOptions,
} from './upstream-registry';
import { parseWwwAuthenticate } from './www-authenticate';

/** undici (some 5 MB of heap) is loaded at the first upstream client, not at start: most api processes never reach an upstream registry (proxy projects, replication). */
let loadedUndici: typeof Undici | undefined;
const undici = (): typeof Undici => (loadedUndici ??= require('undici') as typeof Undici);

/**
 * A client of the OCI distribution API v2 (read side) for any conforming registry: the adapter
 * every registry type builds on. One undici Agent per endpoint keeps connections alive between
 * pulls; auth challenges are answered by UpstreamAuthenticator.
 */

/** Manifests are held in memory to be hashed and stored: anything larger is not a manifest. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A tags page is JSON of names; generous, but bounded like a manifest. */
const MAX_TAGS_PAGE_BYTES = 16 * 1024 * 1024;
const MAX_TAG_PAGES = 10_000;
const MAX_REDIRECTS = 5;

/** Every manifest and index type a pull can meet (Docker schema 1 is long gone from upstreams worth proxying). */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
] as const;
const ACCEPT_MANIFESTS = MANIFEST_MEDIA_TYPES.join(', ');

/** Content-Types that say nothing about which manifest it is (then the body's mediaType decides). */
const GENERIC_CONTENT_TYPES = new Set(['', 'application/json', 'text/plain', 'application/octet-stream']);

const DIGEST_REFERENCE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const HASH_ALGORITHMS: Record<string, string> = { sha256: 'sha256', sha512: 'sha512' };

export interface SendOptions {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  /** the token scope the request needs; none for /v2/ */
  scope?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** for messages: what the request was for */
  what: string;
  /** a request body (the write side, e.g. replication's pushes); a stream is sent once, never replayed after a 401 */
  body?: Buffer | Readable;
}

export class DistributionClient implements UpstreamRegistry {
  protected readonly baseUrl: URL;
  private readonly agent: Undici.Agent;
  private readonly timeoutMs: number;
  private readonly tagPageSize: number | undefined;
  private readonly authenticator: UpstreamAuthenticator;

  constructor(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}) {
    this.baseUrl = new URL(endpoint.url.replace(/\/+$/, '') + '/');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    this.tagPageSize = options.tagPageSize;
    this.agent = new (undici().Agent)({
      connect: { timeout: this.timeoutMs, rejectUnauthorized: !endpoint.insecure },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    this.authenticator = new UpstreamAuthenticator(endpoint.credential, (url, headers, signal) => this.fetchToken(url, headers, signal));
  }

  upstreamName(repository: string): string {
    return repository;
  }

  async ping(options: UpstreamRequestOptions = {}): Promise<void> {
    const response = await this.send({ method: 'GET', url: this.url('v2/'), signal: options.signal, what: 'ping' });
    await discard(response);
    if (response.statusCode !== 200) throw errorForStatus(response.statusCode, `ping ${describeUrl(this.url('v2/'))}`);
  }

  async headManifest(repository: string, reference: string, options: UpstreamRequestOptions = {}): Promise<UpstreamManifestHead | null> {
    const name = checkedName(this.upstreamName(repository));
    checkReference(reference);
    const url = this.url(`v2/${name}/manifests/${reference}`);
    const what = `HEAD manifest ${name}:${reference}`;
    const response = await this.send({ method: 'HEAD', url, scope: pullScope(name), headers: { accept: ACCEPT_MANIFESTS }, signal: options.signal, what });
    await discard(response);
    if (response.statusCode === 404) return null;
    if (response.statusCode !== 200) throw errorForStatus(response.statusCode, what);
    const digest = header(response, 'docker-content-digest');
    const mediaType = mediaTypeOf(header(response, 'content-type'));
    const size = Number(header(response, 'content-length'));
    // what the headers leave out can only come from the bytes: a GET (counted by rate limits, but correct)
    if (!digest || !mediaType || !Number.isSafeInteger(size) || size < 0) {
      const manifest = await this.getManifest(repository, reference, options);
      return manifest && { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.size };
    }
    if (!isDigest(digest)) throw new UpstreamProtocolError(`${what}: Docker-Content-Digest is not a digest`);
    if (isDigest(reference) && digest !== reference) throw new UpstreamProtocolError(`${what}: upstream says its digest is ${digest}`);
    return { digest, mediaType, size };
  }

  async getManifest(repository: string, reference: string, options: UpstreamRequestOptions = {}): Promise<UpstreamManifest | null> {
    const name = checkedName(this.upstreamName(repository));
    checkReference(reference);
    const what = `GET manifest ${name}:${reference}`;
    const response = await this.send({
      method: 'GET',
      url: this.url(`v2/${name}/manifests/${reference}`),
      scope: pullScope(name),
      headers: { accept: ACCEPT_MANIFESTS },
      signal: options.signal,
      what,
    });
    if (response.statusCode === 404) return discard(response).then(() => null);
    if (response.statusCode !== 200) {
      await discard(response);
      throw errorForStatus(response.statusCode, what);
    }
    const body = await readBounded(response, MAX_MANIFEST_BYTES, what, options.signal);
    const declared = header(response, 'docker-content-digest');
    // the digest we hand out is the one the reference (or the upstream) names, verified against the bytes
    const expected = isDigest(reference) ? reference : declared;
    const digest = expected ? verifiedDigest(body, expected, what) : digestOf(body, 'sha256');
    if (declared && declared !== digest) throw new UpstreamProtocolError(`${what}: Docker-Content-Digest ${declared} does not match the body`);
    const mediaType = mediaTypeOf(header(response, 'content-type')) ?? mediaTypeInBody(body);
    if (!mediaType) throw new UpstreamProtocolError(`${what}: no media type in Content-Type or body`);
    return { digest, mediaType, size: body.length, body };
  }

  async hasBlob(repository: string, digest: string, options: UpstreamRequestOptions = {}): Promise<boolean> {
    const name = checkedName(this.upstreamName(repository));
    if (!isDigest(digest)) throw new TypeError(`not a digest: ${digest}`);
    const what = `HEAD blob ${name}@${digest}`;
    const response = await this.send({ method: 'HEAD', url: this.url(`v2/${name}/blobs/${digest}`), scope: pullScope(name), signal: options.signal, what });
    await discard(response);
    if (response.statusCode === 404) return false;
    // the storage a redirect points to is not asked: its URL is often signed for GET only
    if (isRedirect(response.statusCode)) return true;
    if (response.statusCode !== 200) throw errorForStatus(response.statusCode, what);
    const announced = header(response, 'docker-content-digest');
    if (announced !== undefined && announced !== digest) throw new UpstreamProtocolError(`${what}: upstream says its digest is ${announced}`);
    return true;
  }

  async getBlob(repository: string, digest: string, options: UpstreamRequestOptions = {}): Promise<UpstreamBlob | null> {
    const name = checkedName(this.upstreamName(repository));
    if (!isDigest(digest)) throw new TypeError(`not a digest: ${digest}`);
    const what = `GET blob ${name}@${digest}`;
    let url = this.url(`v2/${name}/blobs/${digest}`);
    for (let redirects = 0; ; redirects += 1) {
      // our credential is for the registry only, never for the storage it redirects to
      const sameOrigin = url.origin === this.baseUrl.origin;
      const response = sameOrigin
        ? await this.send({ method: 'GET', url, scope: pullScope(name), signal: options.signal, what })
        : await this.plain('GET', url, {}, options.signal, what);
      if (isRedirect(response.statusCode)) {
        await discard(response);
        const location = header(response, 'location');
        if (!location) throw new UpstreamProtocolError(`${what}: redirect without Location`);
        if (redirects >= MAX_REDIRECTS) throw new UpstreamProtocolError(`${what}: more than ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
        continue;
      }
      if (response.statusCode === 404) return discard(response).then(() => null);
      if (response.statusCode !== 200) {
        await discard(response);
        throw errorForStatus(response.statusCode, what);
      }
      const size = Number(header(response, 'content-length'));
      if (!Number.isSafeInteger(size) || size < 0) {
        response.body.destroy();
        throw new UpstreamProtocolError(`${what}: no Content-Length`);
      }
      return { stream: classifiedStream(response.body, what, options.signal), size };
    }
  }

  async listTags(repository: string, options: UpstreamRequestOptions = {}): Promise<string[] | null> {
    const name = checkedName(this.upstreamName(repository));
    const what = `GET tags ${name}`;
    let url: URL | null = this.url(`v2/${name}/tags/list`);
    if (this.tagPageSize) url.searchParams.set('n', String(this.tagPageSize));
    const tags: string[] = [];
    for (let page = 0; url; page += 1) {
      if (page >= MAX_TAG_PAGES) throw new UpstreamProtocolError(`${what}: more than ${MAX_TAG_PAGES} pages`);
      const response = await this.send({ method: 'GET', url, scope: pullScope(name), signal: options.signal, what });
      if (response.statusCode === 404) return discard(response).then(() => null);
      if (response.statusCode !== 200) {
        await discard(response);
        throw errorForStatus(response.statusCode, what);
      }
      const body = await readBounded(response, MAX_TAGS_PAGE_BYTES, what, options.signal);
      let parsed: { tags?: unknown };
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new UpstreamProtocolError(`${what}: the tag list is not JSON`);
      }
      // a repository without tags may answer `"tags": null`
      if (parsed.tags != null && !(Array.isArray(parsed.tags) && parsed.tags.every((tag) => typeof tag === 'string'))) {
        throw new UpstreamProtocolError(`${what}: the tag list is malformed`);
      }
      tags.push(...((parsed.tags as string[] | null) ?? []));
      const next = nextLink(header(response, 'link'));
      url = next ? new URL(next, url) : null;
      // the next page is fetched with our credential: only from the registry itself
      if (url && url.origin !== this.baseUrl.origin) throw new UpstreamProtocolError(`${what}: next page on another host (${url.origin})`);
    }
    return tags;
  }

  /** Closes the kept-alive connections. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  protected url(path: string): URL {
    return new URL(path, this.baseUrl);
  }

  /**
   * A request to the registry: with what Authorization we know, and one retry after a 401's
   * challenge (not for a streamed body, which cannot be sent twice: its 401 is returned).
   * `scope` may name several scopes separated by spaces (a mount needs pull on its source).
   */
  protected async send(options: SendOptions): Promise<Dispatcher.ResponseData> {
    const { url, scope, signal, what } = options;
    for (let attempt = 0; ; attempt += 1) {
      const headers = { ...options.headers };
      const authorization = await this.authenticator.authorization(scope, signal);
      if (authorization) headers.authorization = authorization;
      const response = await this.plain(options.method, url, headers, signal, what, options.body);
      if (response.statusCode !== 401 || attempt > 0) return response;
      if (options.body && !Buffer.isBuffer(options.body)) {
        // the stream is spent: drop the refused token so the caller's next attempt gets a fresh one
        this.authenticator.acceptChallenge(parseWwwAuthenticate(response.headers['www-authenticate']), scope);
        return response;
      }
      await discard(response);
      const retry = this.authenticator.acceptChallenge(parseWwwAuthenticate(response.headers['www-authenticate']), scope);
      if (!retry) return response;
    }
  }

  protected async plain(method: SendOptions['method'], url: URL, headers: Record<string, string>, signal: AbortSignal | undefined, what: string, body?: Buffer | Readable): Promise<Dispatcher.ResponseData> {
    try {
      return await undici().request(url, {
        method,
        body,
        headers: { 'user-agent': 'wharf', ...headers },
        dispatcher: this.agent,
        signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      throw classifyThrown(error, `${what} (${describeUrl(url)})`, signal);
    }
  }

  private async fetchToken(url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<{ status: number; body: Buffer }> {
    const what = `token ${describeUrl(url)}`;
    const response = await this.plain('GET', url, headers, signal, what);
    if (response.statusCode !== 200) {
      await discard(response);
      return { status: response.statusCode, body: Buffer.alloc(0) };
    }
    return { status: 200, body: await readBounded(response, MAX_MANIFEST_BYTES, what, signal) };
  }
}

/**
 * Names and references go into the URL path as they are: anything outside the distribution
 * grammar (`..`, `?`, `%`) could point the request, and our credential, somewhere else.
 */
const REPOSITORY_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function checkedName(name: string): string {
  if (!REPOSITORY_NAME.test(name)) throw new TypeError(`not a repository name: ${name}`);
  return name;
}

export function checkReference(reference: string): void {
  if (!TAG.test(reference) && !isDigest(reference)) throw new TypeError(`not a tag or digest: ${reference}`);
}

export const pullScope = (name: string): string => `repository:${name}:pull`;

export const isDigest = (reference: string): boolean => DIGEST_REFERENCE.test(reference);

const isRedirect = (status: number): boolean => status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

export function header(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The media type of a Content-Type, or undefined when it is generic (says nothing about the manifest). */
function mediaTypeOf(contentType: string | undefined): string | undefined {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return GENERIC_CONTENT_TYPES.has(mediaType) ? undefined : mediaType;
}

function mediaTypeInBody(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' && parsed.mediaType ? parsed.mediaType : undefined;
  } catch {
    return undefined;
  }
}

function digestOf(body: Buffer, algorithm: string): string {
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
}

/** `expected` when the body hashes to it; a protocol error otherwise (or for an algorithm we cannot check). */
function verifiedDigest(body: Buffer, expected: string, what: string): string {
  const algorithm = HASH_ALGORITHMS[expected.split(':')[0]];
  if (!algorithm) throw new UpstreamProtocolError(`${what}: unsupported digest algorithm in ${expected}`);
  const actual = digestOf(body, algorithm);
  if (actual !== expected) throw new UpstreamProtocolError(`${what}: the body hashes to ${actual}, not ${expected}`);
  return actual;
}

/** The target of `Link: <url>; rel="next"` (several links may share the header). */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(?:^|;)\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(match[2])) return match[1];
  }
  return undefined;
}

/** Reads a body into memory, refusing one over `limit` bytes without reading it all. */
export async function readBounded(response: Dispatcher.ResponseData, limit: number, what: string, signal?: AbortSignal): Promise<Buffer> {
  const declared = Number(header(response, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    response.body.destroy();
    throw new UpstreamProtocolError(`${what}: ${declared} bytes is over the ${limit}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += (chunk as Buffer).length;
      if (total > limit) {
        response.body.destroy();
        throw new UpstreamProtocolError(`${what}: over the ${limit}-byte limit`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw classifyThrown(error, what, signal);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The body, its errors classified like the request's (an upstream dying mid-blob is
 * UpstreamUnavailableError to the reader too); destroying it destroys the body underneath,
 * which releases the connection.
 */
function classifiedStream(body: Readable, what: string, signal?: AbortSignal): Readable {
  const relay = new PassThrough();
  body.on('error', (error) => relay.destroy(classifyThrown(error, what, signal) as Error));
  relay.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  body.pipe(relay);
  return relay;
}

/** Releases a response whose body we do not need (so the connection goes back to the pool). */
export async function discard(response: Dispatcher.ResponseData): Promise<void> {
  try {
    await response.body.dump();
  } catch {
    // a body that fails while being thrown away changes nothing
  }
}
