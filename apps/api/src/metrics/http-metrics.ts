import type { WharfMetrics } from '@wharf/metrics';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isDistributionPath } from '../http/request-paths';

// /v2 routes are one wildcard route per method (repository names contain slashes); their
// template is recognised by suffix, as distribution-route.ts parses them
const DISTRIBUTION_TEMPLATES: [RegExp, string][] = [
  [/^\/v2\/?$/, '/v2/'],
  [/^\/v2\/_catalog$/, '/v2/_catalog'],
  [/^\/v2\/.+\/manifests\/[^/]+$/, '/v2/{name}/manifests/{reference}'],
  [/^\/v2\/.+\/blobs\/uploads\/?$/, '/v2/{name}/blobs/uploads/'],
  [/^\/v2\/.+\/blobs\/uploads\/[^/]+$/, '/v2/{name}/blobs/uploads/{uuid}'],
  [/^\/v2\/.+\/blobs\/[^/]+$/, '/v2/{name}/blobs/{digest}'],
  [/^\/v2\/.+\/tags\/list$/, '/v2/{name}/tags/list'],
  [/^\/v2\/.+\/referrers\/[^/]+$/, '/v2/{name}/referrers/{digest}'],
];

/**
 * The route template a request matched, never its raw URL, so the label's values are bounded by
 * the routes the api has: Fastify's route (`/api/v2.0/projects/:project_name_or_id`), the /v2
 * template, or `unmatched` for a path no route serves.
 */
export function operationOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  if (isDistributionPath(path)) return DISTRIBUTION_TEMPLATES.find(([pattern]) => pattern.test(path))?.[1] ?? '/v2/*';
  return request.routeOptions?.url ?? 'unmatched';
}

/**
 * Counts every request once its connection is done with it (answered or aborted: code 499) by
 * method, route template and status, with its latency, and the body bytes /v2 moves each way.
 * Bytes are counted where Node hands them over (the request stream's push, the response's write
 * and end) rather than by listening to the body, which would start the flow of an upload stream
 * before its handler pipes it to storage; a redirected blob GET moves no bytes through the api.
 */
export function instrumentHttp(fastify: FastifyInstance, metrics: WharfMetrics): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    metrics.httpInflight.inc();
    const distribution = isDistributionPath(request.url);
    const bytes = distribution ? countBodyBytes(request.raw, reply.raw) : undefined;
    reply.raw.once('close', () => {
      metrics.httpInflight.dec();
      const labels = { method: request.method, operation: operationOf(request), code: reply.raw.writableFinished ? String(reply.raw.statusCode) : '499' };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
      if (bytes) {
        if (bytes.in) metrics.registryBytes.inc({ direction: 'in' }, bytes.in);
        if (bytes.out) metrics.registryBytes.inc({ direction: 'out' }, bytes.out);
      }
    });
    done();
  });
}

type Chunk = string | Uint8Array | null | undefined;
const sizeOf = (chunk: Chunk, encoding?: unknown): number =>
  chunk == null ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : chunk.byteLength;

function countBodyBytes(request: IncomingMessage, response: ServerResponse): { in: number; out: number } {
  // body bytes that arrived with the headers may already be buffered (nobody reads before the handler)
  const bytes = { in: request.readableLength, out: 0 };
  // the HTTP parser pushes each decoded body chunk into the request stream
  const push = request.push.bind(request);
  request.push = (chunk: Chunk, encoding?: BufferEncoding) => {
    bytes.in += sizeOf(chunk);
    return push(chunk, encoding);
  };
  // a HEAD answer's body is dropped by Node: nothing went out
  if (request.method === 'HEAD') return bytes;
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.write = ((chunk: Chunk, ...rest: unknown[]) => {
    bytes.out += sizeOf(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  response.end = ((chunk?: Chunk | (() => void), ...rest: unknown[]) => {
    if (typeof chunk !== 'function') bytes.out += sizeOf(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
  return bytes;
}
