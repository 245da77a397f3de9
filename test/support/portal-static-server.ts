import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

/**
 * The built portal (dist/portal) for the browser suites, until the api serves it itself: files
 * from the build, index.html for every other path (the app routes in the browser), and the api's
 * own paths (/api, /c, /service, /v2) passed through to a running api, so the pages make the same
 * calls, same-origin, as they will when the api serves them.
 */

const DIST = join(__dirname, '..', '..', 'dist', 'portal');
const API_PREFIXES = ['/api/', '/c/', '/service/', '/v2/'];
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};
// hop-by-hop headers, and what fetch() already undid (it decompresses and re-frames the body)
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length', 'host']);

export interface PortalStaticServer {
  url: string;
  close(): Promise<void>;
}

export async function startPortalStaticServer(apiUrl: string): Promise<PortalStaticServer> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error(`no built portal in ${DIST}: run npm run build`);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const handled = API_PREFIXES.some((prefix) => path.startsWith(prefix) || `${path}/` === prefix) ? proxy(apiUrl, request, response) : serveFile(path, response);
    handled.catch((error: Error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`portal test server: ${error.message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serveFile(path: string, response: ServerResponse): Promise<void> {
  const file = normalize(join(DIST, decodeURIComponent(path)));
  const inside = file.startsWith(DIST + sep);
  const target = inside && existsSync(file) && statSync(file).isFile() ? file : join(DIST, 'index.html');
  response.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
  response.end(readFileSync(target));
}

async function proxy(apiUrl: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || DROPPED.has(name)) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = request.method ?? 'GET';
  const answer = await fetch(`${apiUrl}${request.url}`, { method, headers, body: chunks.length && method !== 'GET' && method !== 'HEAD' ? Buffer.concat(chunks) : undefined, redirect: 'manual' });
  const body = Buffer.from(await answer.arrayBuffer());
  const outgoing: Record<string, string | string[]> = {};
  answer.headers.forEach((value, name) => {
    if (!DROPPED.has(name) && name !== 'set-cookie') outgoing[name] = value;
  });
  const cookies = answer.headers.getSetCookie();
  if (cookies.length) outgoing['set-cookie'] = cookies;
  response.writeHead(answer.status, outgoing);
  response.end(body);
}
