import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { LatencyRecorder } from './latency';
import type { LoadResult, LoadSpec, OpContext } from './run-load';

/**
 * The same closed loop as runLoad, with a second, independent client: undici's Pool (its own
 * HTTP/1.1 parser, llhttp in WebAssembly, instead of autocannon's http-parser-js), one loop per
 * connection sending an operation's steps back to back. Used to check that the load generator is
 * not what limits a figure: when both clients measure the same rate, the server set it.
 */
export async function runLoadWithUndici(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.baseUrl, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const latency = new LatencyRecorder();
  const unexpected: Record<string, number> = {};
  const firstBodies: Record<string, string> = {};
  let completedOps = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + spec.durationSeconds * 1000;

  const oneOperation = async (): Promise<void> => {
    const op: OpContext = { startedAt: performance.now() };
    for (const step of spec.steps) {
      const built = step.build(op);
      if (!built) return;
      const body = built.body ?? Buffer.alloc(0);
      const headers: Record<string, string> = {
        ...built.headers,
        ...(spec.authorization ? { authorization: spec.authorization } : {}),
        ...(step.method !== 'GET' && step.method !== 'HEAD' ? { 'content-length': String(body.length) } : {}),
      };
      const response = await pool.request({ path: built.path, method: step.method, headers, body: step.method === 'GET' || step.method === 'HEAD' ? undefined : body });
      const text = response.statusCode === step.expect ? (await response.body.dump(), '') : await response.body.text();
      if (response.statusCode !== step.expect) {
        unexpected[response.statusCode] = (unexpected[response.statusCode] ?? 0) + 1;
        firstBodies[response.statusCode] ??= `${step.method}: ${text.slice(0, 300)}`;
        return;
      }
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) responseHeaders[name] = String(value);
      step.after?.(op, responseHeaders);
    }
    completedOps += 1;
    latency.record(performance.now() - op.startedAt!);
  };

  try {
    await Promise.all(
      Array.from({ length: spec.connections }, async () => {
        while (performance.now() < deadline) {
          try {
            await oneOperation();
          } catch {
            errors += 1;
          }
        }
      }),
    );
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const [p50, p99] = latency.percentiles(50, 99);
  return { opsPerSecond: completedOps / seconds, completedOps, p50, p99, unexpected, firstBodies, errors, seconds };
}
