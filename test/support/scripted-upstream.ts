import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A deliberately misbehaving upstream registry for the failure cases a real one will not
 * produce on demand: a blob whose bytes do not match its digest, a malformed manifest with a
 * correct digest, a body that stops half-way. Speaks just enough of /v2 (anonymous) for a proxy.
 */
export type BlobBehaviour =
  | { kind: 'serve'; bytes: Buffer }
  /** sends `bytes` (claiming them under the requested digest) although they hash differently */
  | { kind: 'wrong-bytes'; bytes: Buffer }
  /** sends the headers and the first `after` bytes, then stays silent, connection open */
  | { kind: 'hang'; bytes: Buffer; after: number };

export interface ScriptedUpstream {
  url: string;
  /** manifests by tag and by digest */
  setManifest(repository: string, tag: string, body: Buffer, mediaType: string): string;
  /** every manifest answer waits this long (to hold requests concurrent) */
  manifestDelayMs: number;
  setBlob(repository: string, digest: string, behaviour: BlobBehaviour): void;
  requests: UpstreamRequest[];
  close(): Promise<void>;
}

/** A request the upstream received: when (ms since the epoch) it arrived, and when its answer was sent. */
export interface UpstreamRequest {
  method: string;
  path: string;
  at: number;
  answeredAt?: number;
}

export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const manifests = new Map<string, { body: Buffer; mediaType: string; digest: string }>();
  const blobs = new Map<string, BlobBehaviour>();
  const requests: UpstreamRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0];
    const received: UpstreamRequest = { method: request.method ?? 'GET', path, at: Date.now() };
    requests.push(received);
    response.once('finish', () => (received.answeredAt = Date.now()));
    if (path === '/v2/' || path === '/v2') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (manifest && scripted.manifestDelayMs > 0) {
      setTimeout(() => answerManifest(manifest, request, response), scripted.manifestDelayMs);
      return;
    }
    if (manifest) return answerManifest(manifest, request, response);
    serveBlob(path, request, response);
  };

  const answerManifest = (manifest: RegExpExecArray, request: IncomingMessage, response: ServerResponse): void => {
    {
      const found = manifests.get(`${manifest[1]}:${manifest[2]}`);
      if (!found) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
      response.writeHead(200, { 'content-type': found.mediaType, 'docker-content-digest': found.digest, 'content-length': String(found.body.length) });
      return void response.end(request.method === 'HEAD' ? undefined : found.body);
    }
  };

  const serveBlob = (path: string, request: IncomingMessage, response: ServerResponse): void => {
    const blob = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
    const behaviour = blob ? blobs.get(`${blob[1]}@${blob[2]}`) : undefined;
    if (!blob || !behaviour) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(behaviour.bytes.length), 'docker-content-digest': blob[2] });
    if (request.method === 'HEAD') return void response.end();
    if (behaviour.kind === 'hang') {
      hanging.add(response);
      response.write(behaviour.bytes.subarray(0, behaviour.after));
      response.on('close', () => hanging.delete(response));
      return;
    }
    response.end(behaviour.bytes);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scripted: ScriptedUpstream = {
    url: `http://127.0.0.1:${port}`,
    manifestDelayMs: 0,
    setManifest(repository, tag, body, mediaType) {
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      manifests.set(`${repository}:${tag}`, { body, mediaType, digest });
      manifests.set(`${repository}:${digest}`, { body, mediaType, digest });
      return digest;
    },
    setBlob(repository, digest, behaviour) {
      blobs.set(`${repository}@${digest}`, behaviour);
    },
    requests,
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return scripted;
}
