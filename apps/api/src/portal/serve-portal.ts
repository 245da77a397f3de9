import type { AppConfig } from '@wharf/config';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolve } from 'node:path';
import { PortalFiles, type ContentCoding, type PortalFile } from './portal-files';

/**
 * What every answer of the portal carries. The portal runs no inline script, so script-src is
 * 'self' alone; its component library sets style attributes and injects <style> elements, hence
 * 'unsafe-inline' for styles only. It is never framed (clickjacking) and leaks no path to other sites.
 */
export const PORTAL_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; " +
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

// hashed file names (Vite's build writes them here): the bytes under a name never change
const IMMUTABLE_ASSETS = 'assets/';
// the first path segments that are never the portal's: an unknown path under them answers as it always did
const NOT_THE_PORTAL = new Set(['api', 'v2', 'service', 'c', 'swagger.json', 'health', 'metrics']);
const NOT_BUILT = 'The Wharf web portal was not built into this api (run `npm run build`, or set PORTAL_DIR).\n';

/** Where the built portal is: PORTAL_DIR, else `dist/portal` beside the built api (this file is dist/apps/api/src/portal/). */
export function portalDirectory(config: AppConfig): string {
  return config.PORTAL_DIR ? resolve(config.PORTAL_DIR) : resolve(__dirname, '../../../../portal');
}

/**
 * Serves the built web portal at `/` for the GET and HEAD requests no route answers: a file of
 * the portal's directory when the path names one; else, for a browser asking for a page (Accept
 * includes text/html), index.html, so the portal's own router resolves deep links. Anything
 * else (a missing asset, a JSON client, any path under /api, /v2, /service, /c) goes on to the
 * api's usual 404 or 405 untouched. index.html is revalidated on every load (no-cache, with an
 * ETag) so a new build is picked up at once; hashed assets are cached for a year. A missing
 * portal is no error: `/` then says it was not built, and the api serves everything else.
 */
export function servePortal(fastify: FastifyInstance, directory: string): void {
  const files = new PortalFiles(directory);
  fastify.addHook('onRequest', async (request, reply) => {
    // a route answers (routed requests have a route; the not-found handler has none)
    if (request.routeOptions.url !== undefined) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const path = request.url.split('?')[0];
    if (NOT_THE_PORTAL.has(path.split('/')[1] ?? '')) return;
    const page = path === '/' || acceptsHtml(request);
    const file = (path === '/' ? undefined : await files.find(path)) ?? (page ? await files.find('/index.html') : undefined);
    if (!file) {
      if (!page) return;
      return reply.status(404).headers(PORTAL_SECURITY_HEADERS).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT);
    }
    return send(request, reply, files, file);
  });
}

async function send(request: FastifyRequest, reply: FastifyReply, files: PortalFiles, file: PortalFile): Promise<FastifyReply> {
  const coding = file.compressible ? preferredCoding(request.headers['accept-encoding']) : undefined;
  const etag = coding ? `${file.etag.slice(0, -1)}-${coding}"` : file.etag;
  void reply
    .headers(PORTAL_SECURITY_HEADERS)
    .header('content-type', file.contentType)
    .header('cache-control', file.relativePath.startsWith(IMMUTABLE_ASSETS) ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('etag', etag);
  if (file.compressible) void reply.header('vary', 'accept-encoding');
  if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.status(304).send();
  const body = coding ? await files.encoded(file, coding) : file.body;
  if (coding) void reply.header('content-encoding', coding);
  void reply.header('content-length', String(body.length));
  return reply.status(200).send(request.method === 'HEAD' ? undefined : body);
}

function acceptsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/i.test(request.headers.accept ?? '');
}

/** Brotli when the client takes it, else gzip, else none (an explicit q=0 refuses a coding). */
export function preferredCoding(header: string | undefined): ContentCoding | undefined {
  if (!header) return undefined;
  const accepted = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name.trim(), q ? Number(q.slice(2)) || 0 : 1);
  }
  const weight = (coding: ContentCoding) => accepted.get(coding) ?? accepted.get('*') ?? 0;
  if (weight('br') > 0) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  return undefined;
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  return header !== undefined && header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag || candidate.trim() === '*');
}
