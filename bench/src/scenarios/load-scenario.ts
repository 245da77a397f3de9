import { describeFailures, runLoad, type LoadStep } from '../load/run-load';
import { runLoadWithUndici } from '../load/run-load-undici';
import type { Measurement, ScenarioContext } from '../scenario';
import { authorizationOf, type ClientAuth } from '../targets/target';

/** Failures above this share of operations make the measurement an error rather than a number. */
const MAX_FAILURE_SHARE = 0.01;

/**
 * Warm-up then measurement of a closed-loop load at `connections`; the value is completed
 * operations per second with their p50/p99 latency.
 */
export async function measureLoad(ctx: ScenarioContext, connections: number, steps: LoadStep[], note?: string, auth: ClientAuth = 'bearer'): Promise<Measurement> {
  const spec = { baseUrl: ctx.target.baseUrl, authorization: authorizationOf(ctx.target, auth), connections, steps };
  const run = ctx.loadGenerator === 'undici' ? runLoadWithUndici : runLoad;
  if (ctx.options.warmupSeconds > 0) await run({ ...spec, durationSeconds: ctx.options.warmupSeconds });
  const result = await ctx.measured(() => run({ ...spec, durationSeconds: ctx.options.durationSeconds }));
  const failures = describeFailures(result);
  const failed = Object.values(result.unexpected).reduce((a, b) => a + b, 0) + result.errors;
  if (result.completedOps === 0 || failed > result.completedOps * MAX_FAILURE_SHARE) {
    throw new Error(`${result.completedOps} operations completed, failures: ${failures || 'none reported'}`);
  }
  return {
    value: result.opsPerSecond,
    p50: result.p50,
    p99: result.p99,
    note: [note, failures && `failures: ${failures}`].filter(Boolean).join('; ') || undefined,
  };
}

/** An upload Location (relative or absolute) as the path+query autocannon sends, with extra query parameters. */
export function uploadPath(baseUrl: string, location: string | undefined, query: Record<string, string> = {}): string | undefined {
  if (!location) return undefined;
  const url = new URL(location, baseUrl);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return `${url.pathname}${url.search}`;
}
