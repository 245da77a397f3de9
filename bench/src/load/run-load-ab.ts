import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { LoadResult, LoadSpec } from './run-load';

const run = promisify(execFile);

/** ApacheBench, from Debian's apache2-utils (the bench's other prerequisites are listed in bench/README.md). */
export const AB_BINARY = '/usr/bin/ab';

export function abAvailable(): boolean {
  return existsSync(AB_BINARY);
}

/**
 * The same closed loop as runLoad for ONE request repeated unchanged (a manifest HEAD or GET by
 * tag), sent by ApacheBench: a C client on one epoll loop, which spends a fraction of the CPU
 * per request that a node client does. On a 2-core machine the client shares the CPU with the
 * server, so the cheaper the client, the more of a request-rate figure is the server's.
 * `-k` keeps connections alive (HTTP/1.0 with `Connection: Keep-Alive`, which Fastify and Go's
 * net/http both honour); `-i` sends HEAD. ab's latency percentiles are whole milliseconds.
 */
export async function runLoadWithAb(spec: LoadSpec): Promise<LoadResult> {
  const [step] = spec.steps;
  if (spec.steps.length !== 1 || !step?.unchanging || (step.method !== 'HEAD' && step.method !== 'GET') || step.after) {
    throw new Error('ab sends one HEAD or GET request repeated unchanged; this load has steps that depend on each other');
  }
  const request = step.build({});
  if (!request) throw new Error('the request to repeat was not built');
  const headers = { ...request.headers, ...(spec.authorization ? { authorization: spec.authorization } : {}) };
  const args = [
    '-k',
    '-q',
    '-c',
    String(spec.connections),
    // -t is whole seconds; -n after it lifts the 50,000-request cap -t implies
    '-t',
    String(Math.max(1, Math.round(spec.durationSeconds))),
    '-n',
    '100000000',
    ...(step.method === 'HEAD' ? ['-i'] : []),
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    new URL(request.path, spec.baseUrl).toString(),
  ];
  const { stdout } = await run(AB_BINARY, args, { maxBuffer: 1 << 20 });
  return parseAbReport(stdout, step.expect);
}

/** ab's report as a LoadResult; exported for its unit test. */
export function parseAbReport(report: string, expect: number): LoadResult {
  const field = (label: string): number | undefined => {
    const match = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(report);
    return match ? Number(match[1]) : undefined;
  };
  const complete = field('Complete requests');
  const seconds = field('Time taken for tests');
  if (complete === undefined || seconds === undefined) throw new Error(`ab printed no result:\n${report.slice(0, 500)}`);
  const failed = field('Failed requests') ?? 0;
  const otherStatus = field('Non-2xx responses') ?? 0;
  const percentile = (p: number): number => {
    const match = new RegExp(`^\\s+${p}%\\s+(\\d+)`, 'm').exec(report);
    return match ? Number(match[1]) : NaN;
  };
  // ab counts a request answered with another status as complete (and as Non-2xx)
  const completedOps = complete - otherStatus;
  return {
    opsPerSecond: completedOps / seconds,
    completedOps,
    p50: percentile(50),
    p99: percentile(99),
    unexpected: otherStatus > 0 ? { [`not ${expect}`]: otherStatus } : {},
    firstBodies: otherStatus > 0 ? { [`not ${expect}`]: 'ab does not keep response bodies' } : {},
    errors: failed,
    seconds,
  };
}
