import { connect, type Socket } from 'node:net';
import { eventually } from './eventually';

/** A request written by hand on a socket, so a test can send part of a body and stall like a slow or hostile client. */
export interface RawRequest {
  socket: Socket;
  /** everything the server has sent so far */
  received(): string;
  /** the status of the answer, once its status line has arrived (undefined before) */
  status(): number | undefined;
  /** resolves when the server has closed the connection */
  closed: Promise<void>;
  send(bytes: Buffer | string): void;
}

export function openRawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string | number>, firstBytes: Buffer | string = ''): RawRequest {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (data) => (received += data.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const head = [`${method} ${path} HTTP/1.1`, `host: ${hostname}:${port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  socket.write(head);
  if (firstBytes.length) socket.write(firstBytes);
  return {
    socket,
    received: () => received,
    status: () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      return match ? Number(match[1]) : undefined;
    },
    closed,
    send: (bytes) => void socket.write(bytes),
  };
}

/** The status of the answer, waiting up to `timeoutMs` for it; throws when none came. */
export async function statusOf(request: RawRequest, timeoutMs = 15_000): Promise<number> {
  await eventually(async () => request.status() !== undefined, timeoutMs);
  return request.status()!;
}

/** Whether the server closed the connection within `timeoutMs`. */
export async function closedWithin(request: RawRequest, timeoutMs: number): Promise<boolean> {
  return Promise.race([request.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref())]);
}
