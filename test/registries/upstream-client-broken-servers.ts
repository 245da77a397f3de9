import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';

/**
 * Deliberately broken upstreams for the failure cases a real registry will not produce on
 * demand: one that accepts connections and never answers, one that answers a fixed status.
 */
export interface BrokenServer {
  url: string;
  /** requests (or connections, for the silent one) received */
  hits(): number;
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<BrokenServer> {
  const sockets = new Set<Socket>();
  let hits = 0;
  const server = createTcpServer((socket) => {
    hits += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // read and ignore: the request is accepted, no byte is ever sent back
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts a connection and answers with bytes that are not HTTP. */
export async function startGarbageServer(): Promise<BrokenServer> {
  let hits = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    hits += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end('SSH-2.0-OpenSSH_9.2 not a registry\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP server that answers every request with `handler` (the misbehaviour under test). */
export async function startScriptedServer(handler: (request: IncomingMessage, response: ServerResponse, url: string) => void): Promise<BrokenServer> {
  let hits = 0;
  let url = '';
  const server = createHttpServer((request, response) => {
    hits += 1;
    request.resume();
    handler(request, response, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    hits: () => hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Always the same status with an OCI error body (e.g. 429, 503). */
export function startStatusServer(status: number, headers: Record<string, string> = {}): Promise<BrokenServer> {
  return startScriptedServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify({ errors: [{ code: 'BROKEN', message: `always ${status}` }] }));
  });
}
