/**
 * The api serves the built portal at `/` from PORTAL_DIR (here a small fixture, not the real
 * build): index.html revalidated on every load, hashed assets cached for a year, text compressed
 * (brotli or gzip, as the client accepts), security headers on every answer, deep links answered
 * with index.html for browsers only, and /api/v2.0, /v2, /service answering exactly as before.
 * Without a portal the api still starts, and `/` says the portal was not built.
 */
import { loadConfig } from '@wharf/config';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { callApi } from '../support/management-api';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-B4x9Qz1a.js"></script><link rel="stylesheet" href="/assets/index-C7pL2m0e.css"></head><body><div id="root"></div></body></html>\n';
// large enough to be worth compressing, and compressible
const SCRIPT = `${Array.from({ length: 400 }, (_, i) => `export const answer${i} = () => "the portal's module number ${i}";`).join('\n')}\n`;
const STYLE = `${Array.from({ length: 100 }, (_, i) => `.row-${i} { padding: ${i}px; color: #123456; }`).join('\n')}\n`;
const ICON = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201ff5fe1d0a40000000049454e44ae426082', 'hex');

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with exactly these headers (fetch would add its own Accept and Accept-Encoding, and decode the body). */
function raw(baseUrl: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${baseUrl}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('the portal served by the api', () => {
  let environment: TestEnvironment;
  let portalDir: string;
  let api: RunningApi;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    portalDir = mkdtempSync(join(tmpdir(), 'wharf-portal-fixture-'));
    mkdirSync(join(portalDir, 'assets'));
    writeFileSync(join(portalDir, 'index.html'), INDEX);
    writeFileSync(join(portalDir, 'assets', 'index-B4x9Qz1a.js'), SCRIPT);
    writeFileSync(join(portalDir, 'assets', 'index-C7pL2m0e.css'), STYLE);
    writeFileSync(join(portalDir, 'favicon.png'), ICON);
    writeFileSync(join(portalDir, '.env'), 'SECRET=not-for-you\n');
    api = await startApi({ ...environment, config: loadConfig({ ...environment.env, PORTAL_DIR: portalDir }) });
  });
  afterAll(async () => {
    await api?.close();
    await environment?.close();
    rmSync(portalDir, { recursive: true, force: true });
  });

  const expectSecurityHeaders = (answer: RawAnswer) => {
    const csp = String(answer.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['referrer-policy']).toBe('same-origin');
  };

  it('serves index.html at / uncached (no-cache, revalidated by ETag), with the security headers', async () => {
    const page = await raw(api.url, '/', HTML);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body.toString()).toBe(INDEX);
    expectSecurityHeaders(page);
    const etag = String(page.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await raw(api.url, '/', { ...HTML, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    // even for a client that does not ask for HTML: `/` is the portal
    expect((await raw(api.url, '/')).body.toString()).toBe(INDEX);
    // a rebuild while the api runs is served at once
    writeFileSync(join(portalDir, 'index.html'), INDEX.replace('<div id="root">', '<div id="root" data-build="2">'));
    const rebuilt = await raw(api.url, '/', { ...HTML, 'if-none-match': etag });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.toString()).toContain('data-build="2"');
    writeFileSync(join(portalDir, 'index.html'), INDEX);
  });

  it('caches hashed assets for a year and compresses text as the client accepts (brotli first, then gzip)', async () => {
    const brotli = await raw(api.url, '/assets/index-B4x9Qz1a.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(brotli.status).toBe(200);
    expect(brotli.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(brotli.body).toString()).toBe(SCRIPT);
    expect(brotli.body.length).toBeLessThan(SCRIPT.length / 4);
    expect(Number(brotli.headers['content-length'])).toBe(brotli.body.length);
    expectSecurityHeaders(brotli);

    const gzip = await raw(api.url, '/assets/index-B4x9Qz1a.js', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(SCRIPT);
    expect(gzip.headers.etag).not.toBe(brotli.headers.etag);

    const identity = await raw(api.url, '/assets/index-B4x9Qz1a.js');
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.toString()).toBe(SCRIPT);

    const style = await raw(api.url, '/assets/index-C7pL2m0e.css', { 'accept-encoding': 'gzip' });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(gunzipSync(style.body).toString()).toBe(STYLE);

    // an image is already compressed, and not hashed: sent as is, revalidated
    const icon = await raw(api.url, '/favicon.png', { 'accept-encoding': 'br' });
    expect(icon.headers['content-type']).toBe('image/png');
    expect(icon.headers['content-encoding']).toBeUndefined();
    expect(icon.headers['cache-control']).toBe('no-cache');
    expect(icon.body.equals(ICON)).toBe(true);

    const head = await raw(api.url, '/assets/index-B4x9Qz1a.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('answers a deep link with index.html when a browser asks for a page, and the usual 404 otherwise', async () => {
    for (const path of ['/harbor/projects', '/harbor/projects/3/repositories/library%2Fapp', '/account?tab=password']) {
      const page = await raw(api.url, path, HTML);
      expect({ path, status: page.status, body: page.body.toString(), cache: page.headers['cache-control'] }).toEqual({ path, status: 200, body: INDEX, cache: 'no-cache' });
      expectSecurityHeaders(page);
    }
    const missingAsset = await raw(api.url, '/assets/index-gone.js', { accept: '*/*' });
    expect(missingAsset.status).toBe(404);
    expect(JSON.parse(missingAsset.body.toString())).toEqual({ errors: [{ code: 'NOT_FOUND', message: 'no such path: GET /assets/index-gone.js' }] });
    // other methods are not the portal's
    const post = await raw(api.url, '/harbor/projects', HTML, 'POST');
    expect(post.status).toBe(404);
  });

  it('leaves /api/v2.0, /v2, /service, /c and the system paths as they were, browser or not', async () => {
    const unknownApi = await raw(api.url, '/api/v2.0/no-such-thing', HTML);
    expect(unknownApi.status).toBe(404);
    expect(JSON.parse(unknownApi.body.toString()).errors[0].code).toBe('NOT_FOUND');
    const wrongMethod = await raw(api.url, '/api/v2.0/systeminfo', HTML, 'DELETE');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD');
    const unknownV2 = await raw(api.url, '/v2/no/such/path/at/all', HTML);
    expect(unknownV2.status).toBe(404);
    expect(unknownV2.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(unknownV2.body.toString()).not.toContain('<html>');
    for (const path of ['/service/nothing', '/c/nothing', '/health/deep', '/metrics', '/swagger.json/x']) {
      const answer = await raw(api.url, path, HTML);
      expect({ path, status: answer.status, html: answer.body.toString().includes('<html>') }).toEqual({ path, status: 404, html: false });
    }
    expect((await callApi(api.url, 'GET', '/projects')).status).toBe(200);
    expect((await raw(api.url, '/api/v2.0/swagger.json')).headers['content-type']).toMatch(/^application\/json/);
    expect((await raw(api.url, '/health')).status).toBe(200);
    // the API's answers do not take the portal's headers
    expect((await raw(api.url, '/api/v2.0/systeminfo')).headers['content-security-policy']).toBeUndefined();
  });

  it('serves nothing outside the directory, nor its dot-files', async () => {
    for (const path of ['/assets/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/..%5c..%5cetc%5cpasswd', '/.env', '/assets/%00.js']) {
      const answer = await raw(api.url, path, { accept: '*/*' });
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body.toString()).not.toContain('root:');
      expect(answer.body.toString()).not.toContain('SECRET');
    }
    // a browser asking for them gets the portal's page, never the file
    const asPage = await raw(api.url, '/.env', HTML);
    expect(asPage.body.toString()).toBe(INDEX);
  });

  it('starts without a portal, and says at / that it was not built', async () => {
    const bare = await startApi({ ...environment, config: loadConfig({ ...environment.env, PORTAL_DIR: join(portalDir, 'not-there') }) });
    try {
      const root = await raw(bare.url, '/', HTML);
      expect(root.status).toBe(404);
      expect(root.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(root.body.toString()).toMatch(/portal was not built/);
      expect((await raw(bare.url, '/harbor/projects', HTML)).status).toBe(404);
      expect((await callApi(bare.url, 'GET', '/users/current')).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
