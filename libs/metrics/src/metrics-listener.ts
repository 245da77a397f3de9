import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WharfMetrics } from './wharf-metrics';

/**
 * The tiny HTTP listener an app serves `GET /metrics` on: its own port, never the public one,
 * so the figures are reachable where the operator puts Prometheus and nowhere else. Anything
 * but GET/HEAD /metrics is a 404.
 */
export async function listenForScrapes(metrics: WharfMetrics, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.scrape().then(
      (body) => {
        response.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body) });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function listeningPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
