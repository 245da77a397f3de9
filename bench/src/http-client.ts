import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** the body when buffered, empty when counted */
  body: Buffer;
  /** bytes of body received */
  bytes: number;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** a Buffer is sent with Content-Length; a stream chunked unless the headers give Content-Length */
  body?: Buffer | Readable;
  /** 'count' discards the response body and only counts it (blob pulls: no copy kept in the bench) */
  response?: 'buffer' | 'count';
  /** aborts when no byte moves for this long */
  idleTimeoutMs?: number;
}

/**
 * One keep-alive connection per registry for the streaming blob scenarios: node:http streams
 * request bodies with backpressure and lets the bench count a response without keeping it.
 * (The request-rate scenarios use autocannon instead: node:http costs ~3x more client CPU.)
 */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  request(options: HttpRequest): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...options.headers };
      if (Buffer.isBuffer(options.body)) headers['content-length'] = String(options.body.length);
      const req = httpRequest(options.url, { method: options.method, headers, agent: this.agent });
      req.setTimeout(options.idleTimeoutMs ?? 60_000, () => req.destroy(new Error(`${options.method} ${options.url.pathname}: no progress for ${(options.idleTimeoutMs ?? 60_000) / 1000} s`)));

      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        const keep = options.response !== 'count' || res.statusCode! >= 300;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (keep) chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), bytes });
        });
      });

      const body = options.body;
      if (body === undefined || Buffer.isBuffer(body)) {
        req.end(body);
      } else {
        // a server that answers before reading the whole body (an error) ends the upload: the
        // response, not the broken pipe, is what the caller needs to see
        body.on('error', (error) => req.destroy(error));
        body.pipe(req);
      }
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Throws with the registry's error body when the status is not the expected one. */
export function expectStatus(response: HttpResponse, expected: number, what: string): void {
  if (response.status !== expected) {
    const text = response.body.toString('utf8').slice(0, 500);
    throw new Error(`${what}: expected ${expected}, got ${response.status}${text ? ` ${text}` : ''}`);
  }
}
