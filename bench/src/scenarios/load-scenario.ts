import { describeFailures, runLoad, type LoadResult, type LoadSpec, type LoadStep } from '../load/run-load';
import { abAvailable, runLoadWithAb } from '../load/run-load-ab';
import { runLoadWithUndici } from '../load/run-load-undici';
import type { LoadGenerator, Measurement, ScenarioContext } from '../scenario';
import { authorizationOf, type ClientAuth } from '../targets/target';

/** Failures above this share of operations make the measurement an error rather than a number. */
const MAX_FAILURE_SHARE = 0.01;

const RUNNERS: Record<LoadGenerator, (spec: LoadSpec) => Promise<LoadResult>> = { autocannon: runLoad, undici: runLoadWithUndici, ab: runLoadWithAb };

/**
 * The client a load is measured with unless the load-generator check names one: ApacheBench for
 * one HEAD or GET repeated unchanged (the manifest reads: thousands of requests a second, where a
 * node client's CPU would otherwise be a good part of what limits the figure on 2 cores),
 * autocannon for everything else (steps that read each other's answers, request bodies).
 */
export function defaultLoadGenerator(steps: LoadStep[]): LoadGenerator {
  const [step] = steps;
  const repeated = steps.length === 1 && step.unchanging === true && (step.method === 'HEAD' || step.method === 'GET') && !step.after;
  return repeated && abAvailable() ? 'ab' : 'autocannon';
}

/**
 * Warm-up then measurement of a closed-loop load at `connections`; the value is completed
 * operations per second with their p50/p99 latency.
 */
export async function measureLoad(ctx: ScenarioContext, connections: number, steps: LoadStep[], note?: string, auth: ClientAuth = 'bearer'): Promise<Measurement> {
  const spec = { baseUrl: ctx.target.baseUrl, authorization: authorizationOf(ctx.target, auth), connections, steps };
  const generator = ctx.loadGenerator ?? defaultLoadGenerator(steps);
  const run = RUNNERS[generator];
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
    note: [note, generator === 'ab' && 'ApacheBench', failures && `failures: ${failures}`].filter(Boolean).join('; ') || undefined,
  };
}

/** An upload Location (relative or absolute) as the path+query autocannon sends, with extra query parameters. */
export function uploadPath(baseUrl: string, location: string | undefined, query: Record<string, string> = {}): string | undefined {
  if (!location) return undefined;
  const url = new URL(location, baseUrl);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return `${url.pathname}${url.search}`;
}
