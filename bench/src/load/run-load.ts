import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { skipResponseBodies } from './head-responses';
import { LatencyRecorder } from './latency';

/** State of one operation in flight on one connection (autocannon resets it before each op). */
export interface OpContext {
  startedAt?: number;
  failed?: boolean;
  /** what a step leaves for the next one, e.g. an upload Location */
  vars?: Record<string, string>;
}

export interface BuiltRequest {
  /** path and query */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

/** One HTTP request of an operation; an operation is one or more steps sent back to back on a connection. */
export interface LoadStep {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH';
  build(context: OpContext): BuiltRequest | undefined;
  /** the status that means the step worked */
  expect: number;
  /** called with the response headers of a successful step */
  after?(context: OpContext, headers: Record<string, string>): void;
  /** build() gives the same request every time (a client that cannot vary requests may send it) */
  unchanging?: boolean;
}

export interface LoadSpec {
  baseUrl: string;
  /** `Authorization` header sent with every request (Wharf's bearer token); none when undefined */
  authorization?: string;
  connections: number;
  durationSeconds: number;
  steps: LoadStep[];
}

export interface LoadResult {
  /** completed operations (every step answered as expected) per second */
  opsPerSecond: number;
  completedOps: number;
  /** operation latency (first request sent to last response), ms */
  p50: number;
  p99: number;
  /** requests answered with an unexpected status, by status */
  unexpected: Record<string, number>;
  /** the first response body seen for each unexpected status (the registry's error, e.g. an error id) */
  firstBodies: Record<string, string>;
  /** connection errors and timeouts */
  errors: number;
  seconds: number;
}

/**
 * Closed-loop load with autocannon: `connections` keep-alive connections, each sending the
 * next operation as soon as the previous one is answered, for `durationSeconds`.
 * autocannon (not node:http) because on a 2-core machine the load generator shares the CPU
 * with the server, and autocannon spends about a third of node:http's CPU per request.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latency = new LatencyRecorder();
  const unexpected: Record<string, number> = {};
  const firstBodies: Record<string, string> = {};
  let completedOps = 0;
  const last = spec.steps.length - 1;
  const headOnly = spec.steps.every((s) => s.method === 'HEAD');

  const requests: autocannon.Request[] = spec.steps.map((step, index) => ({
    method: step.method,
    setupRequest: (request: autocannon.Request, context: object) => {
      const op = context as OpContext;
      if (index === 0) op.startedAt = performance.now();
      // a failed step abandons its operation: a falsy request restarts at the first step
      const built = op.failed ? undefined : step.build(op);
      if (!built) return undefined as unknown as autocannon.Request;
      const body = built.body ?? Buffer.alloc(0);
      const headers = {
        ...built.headers,
        ...(spec.authorization ? { authorization: spec.authorization } : {}),
        ...(body.length === 0 && step.method !== 'GET' && step.method !== 'HEAD' ? { 'content-length': '0' } : {}),
      };
      return { ...request, path: built.path, headers, body };
    },
    onResponse: (status: number, body: string, context: object, headers: unknown) => {
      const op = context as OpContext;
      if (status !== step.expect) {
        op.failed = true;
        unexpected[status] = (unexpected[status] ?? 0) + 1;
        firstBodies[status] ??= `${step.method}: ${String(body ?? '').slice(0, 300)}`;
        return;
      }
      step.after?.(op, headerRecord(headers));
      if (index === last) {
        completedOps += 1;
        latency.record(performance.now() - (op.startedAt ?? performance.now()));
      }
    },
  }));

  const started = performance.now();
  const result = await autocannon({
    url: spec.baseUrl,
    connections: spec.connections,
    duration: spec.durationSeconds,
    requests,
    timeout: 30,
    ...(headOnly ? { setupClient: skipResponseBodies } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  const [p50, p99] = latency.percentiles(50, 99);
  return { opsPerSecond: completedOps / seconds, completedOps, p50, p99, unexpected, firstBodies, errors: result.errors, seconds };
}

/** autocannon hands response headers over as http-parser-js gives them: a flat [name, value, …] list. */
function headerRecord(headers: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) record[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
  } else if (headers && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) record[name.toLowerCase()] = String(value);
  }
  return record;
}

/** "12 x 500, 3 connection errors" for a result's failures; empty when there were none. */
export function describeFailures(result: LoadResult): string {
  const parts = Object.entries(result.unexpected).map(([status, count]) => `${count} x ${status} (first: ${result.firstBodies[status]})`);
  if (result.errors > 0) parts.push(`${result.errors} connection errors/timeouts`);
  return parts.join(', ');
}
