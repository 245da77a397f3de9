import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

export type ContentCoding = 'br' | 'gzip';

/** One file of the portal as it is served: its bytes, type, validator, and its compressed forms once asked for. */
export interface PortalFile {
  /** the path under the portal's directory, with `/` separators */
  relativePath: string;
  body: Buffer;
  contentType: string;
  /** a strong validator of the identity bytes */
  etag: string;
  compressible: boolean;
  mtimeMs: number;
  encoded: Map<ContentCoding, Promise<Buffer>>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};
// already compressed formats (images, woff2) gain nothing from a second pass
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.webmanifest', '.txt', '.svg', '.ttf', '.wasm', '.ico']);
// below this, a compressed answer saves less than its headers cost
const MIN_COMPRESSED_BYTES = 1024;

/**
 * The built portal's files, read from its directory and held in memory: the portal is the api's
 * own build output (a few MB), its hashed assets never change, and holding them lets each one be
 * compressed once, at the best level, on first request. That is why the api compresses rather
 * than @fastify/compress (which compresses every answer again) or @fastify/static's
 * preCompressed (which needs .br/.gz files the build would have to write): the answers are as
 * small as the slowest brotli level makes them and cost no CPU after the first. A file changed
 * on disk (a rebuild while the api runs) is noticed by its mtime and size, and read again.
 *
 * Only files inside the directory are served: no `..`, no dot-files, no NUL.
 */
export class PortalFiles {
  private readonly root: string;
  private readonly cache = new Map<string, PortalFile>();

  constructor(directory: string) {
    this.root = resolve(directory);
  }

  /** Whether the portal was built into the directory (its index.html is there). */
  async built(): Promise<boolean> {
    return (await this.find('/index.html')) !== undefined;
  }

  /** The file a URL path names, or undefined when there is none (or the path leaves the directory). */
  async find(urlPath: string): Promise<PortalFile | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0')) return undefined;
    const segments = decoded.split(/[/\\]+/).filter(Boolean);
    if (segments.length === 0 || segments.some((segment) => segment.startsWith('.'))) return undefined;
    const absolute = normalize(join(this.root, ...segments));
    if (!absolute.startsWith(this.root + sep)) return undefined;
    const stats = await stat(absolute).catch(() => undefined);
    if (!stats?.isFile()) return undefined;
    const cached = this.cache.get(absolute);
    if (cached && cached.mtimeMs === stats.mtimeMs && cached.body.length === stats.size) return cached;
    const body = await readFile(absolute).catch(() => undefined);
    if (!body) return undefined;
    const extension = extname(absolute).toLowerCase();
    const file: PortalFile = {
      relativePath: segments.join('/'),
      body,
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      compressible: COMPRESSIBLE.has(extension) && body.length >= MIN_COMPRESSED_BYTES,
      mtimeMs: stats.mtimeMs,
      encoded: new Map(),
    };
    this.cache.set(absolute, file);
    return file;
  }

  /** The file's bytes in `coding`, compressed on first request and kept. */
  encoded(file: PortalFile, coding: ContentCoding): Promise<Buffer> {
    let pending = file.encoded.get(coding);
    if (!pending) {
      pending =
        coding === 'br'
          ? brotli(file.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: file.body.length } })
          : gzipped(file.body, { level: zlib.Z_BEST_COMPRESSION });
      file.encoded.set(coding, pending);
    }
    return pending;
  }
}
