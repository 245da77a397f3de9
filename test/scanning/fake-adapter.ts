import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A strict fake of the Pluggable Scanner API v1.2 (CONTRACTS.md section 4) for the error paths a
 * real adapter does not take on demand: it checks the auth header, the Accept and Content-Type of
 * every call, and answers each /report poll from a script (202 then 302 with or without
 * Refresh-After, 404, 500, 501, a hang). Every request it sees is kept.
 */
export const METADATA_MIME = 'application/vnd.scanner.adapter.metadata+json; version=1.0';
export const SCAN_REQUEST_MIME = 'application/vnd.scanner.adapter.scan.request+json; version=1.0';
export const VULN_V11 = 'application/vnd.security.vulnerability.report; version=1.1';

export type ReportStep =
  | { status: 200; body: unknown }
  | { status: 302; refreshAfter?: number }
  | { status: 404 | 500 | 501; body?: unknown }
  | { hang: true };

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeAdapterOptions {
  /** the header the fake demands (name lower-case) and its exact value; none: open */
  requireHeader?: { name: string; value: string };
  metadata?: unknown;
  /** status of POST /scan (202 unless told) */
  scanStatus?: number;
  /** the poll answers in order; the last one repeats */
  report?: ReportStep[];
  /** GET /metadata answers 302 to this location (a redirect must never be followed) */
  redirectMetadataTo?: string;
  /** GET /metadata never answers */
  hangMetadata?: boolean;
}

export const VALID_METADATA = {
  scanner: { name: 'Fake', vendor: 'Wharf tests', version: '1.2.3' },
  capabilities: [{ consumes_mime_types: ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'], produces_mime_types: [VULN_V11] }],
  properties: { 'harbor.scanner-adapter/registry-authorization-type': 'Bearer' },
};

export class FakeAdapter {
  readonly seen: SeenRequest[] = [];
  private server!: Server;
  private polls = 0;
  private scans = 0;
  private readonly hung: ServerResponse[] = [];
  url = '';

  constructor(public options: FakeAdapterOptions = {}) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get scanCount(): number {
    return this.scans;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const path = req.url ?? '';
    this.seen.push({ method: req.method ?? '', path, headers: req.headers, body });
    const required = this.options.requireHeader;
    if (required && req.headers[required.name] !== required.value) return this.send(res, 401, { error: { message: 'unauthorized' } });
    if (req.method === 'GET' && path === '/api/v1/metadata') {
      if (req.headers.accept !== METADATA_MIME) return this.send(res, 406, { error: { message: `unexpected Accept ${req.headers.accept}` } });
      if (this.options.hangMetadata) return void this.hung.push(res);
      if (this.options.redirectMetadataTo) {
        res.writeHead(302, { location: this.options.redirectMetadataTo });
        return void res.end();
      }
      return this.send(res, 200, this.options.metadata ?? VALID_METADATA, METADATA_MIME);
    }
    if (req.method === 'POST' && path === '/api/v1/scan') {
      if (req.headers['content-type'] !== SCAN_REQUEST_MIME) return this.send(res, 415, { error: { message: 'unexpected Content-Type' } });
      this.scans += 1;
      const status = this.options.scanStatus ?? 202;
      return this.send(res, status, status === 202 ? { id: `scan-${this.scans}` } : { error: { message: `scan refused by the script (${status})` } });
    }
    const report = /^\/api\/v1\/scan\/([^/]+)\/report/.exec(path);
    if (req.method === 'GET' && report) {
      const steps = this.options.report ?? [{ status: 200, body: {} }];
      const step = steps[Math.min(this.polls, steps.length - 1)];
      this.polls += 1;
      if ('hang' in step) return void this.hung.push(res);
      if (step.status === 302) {
        res.writeHead(302, step.refreshAfter === undefined ? {} : { 'refresh-after': String(step.refreshAfter) });
        return void res.end();
      }
      return this.send(res, step.status, step.body ?? { error: { message: `report ${step.status}` } }, VULN_V11);
    }
    this.send(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  }

  private send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
    res.writeHead(status, { 'content-type': type });
    res.end(JSON.stringify(body));
  }
}
