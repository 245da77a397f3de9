import { execFileSync } from 'node:child_process';
import type { BenchOptions } from './options';
import { median } from './statistics';
import { waitUntilQuiet } from './targets/quiesce';
import type { LoadGenerator, Measurement, Scenario, ScenarioContext } from './scenario';
import { TARGET_LABELS, type Target, type TargetId, type TargetSlot } from './targets/target';

export type TargetResult = { measurement: Measurement } | { error: string };

export interface ScenarioOutcome {
  scenario: Scenario;
  results: Partial<Record<TargetId, TargetResult>>;
}

/**
 * Runs every scenario on each available registry in turn, `options.rounds` times: Wharf then
 * docker-registry for one scenario before the next, so the two numbers of a ratio are taken
 * minutes apart at most on a machine whose speed drifts. The order is reversed every other round
 * and every other scenario (W B R, R B W, ...): measured back to back, the registry measured first
 * read lower on this machine (the same tree against itself: 208 vs 336 manifest PUTs a second,
 * 2026-12-07), so a fixed order biased every ratio. A registry's result is its median round.
 * Before each round every registry has finished the previous one's requests and the kernel has
 * written out the dirty pages, so one registry's writes are not flushed in another's time. A
 * scenario that fails on one registry is reported as an error for it and the run goes on.
 */
export async function runScenarios(scenarios: Scenario[], slots: TargetSlot[], options: BenchOptions): Promise<ScenarioOutcome[]> {
  const fixtures = new Map<TargetId, Map<string, Promise<unknown>>>();
  const targets = slots.flatMap((slot) => ('target' in slot ? [slot.target] : []));
  const outcomes: ScenarioOutcome[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    const rounds = new Map<TargetId, TargetResult[]>(targets.map((target) => [target.id, []]));
    for (let round = 0; round < options.rounds; round += 1) {
      const order = (index + round) % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const perTarget = fixtures.get(target.id) ?? new Map<string, Promise<unknown>>();
        fixtures.set(target.id, perTarget);
        await settle(targets.filter((other) => other !== target));
        const started = Date.now();
        const result = await runOne(scenario, target, options, perTarget);
        rounds.get(target.id)!.push(result);
        const took = ((Date.now() - started) / 1000).toFixed(1);
        const roundLabel = options.rounds > 1 ? `, round ${round + 1}/${options.rounds}` : '';
        console.error(`[${index + 1}/${scenarios.length}] ${scenario.title} on ${TARGET_LABELS[target.id]} (${took} s${roundLabel}): ${summarize(result, scenario)}`);
      }
    }
    outcomes.push({ scenario, results: Object.fromEntries([...rounds].map(([id, results]) => [id, medianRound(results, scenario)])) });
  }
  return outcomes;
}

/** The others have finished their requests and the machine has no writes pending. */
async function settle(others: Target[]): Promise<void> {
  for (const other of others) {
    try {
      await waitUntilQuiet(other);
    } catch {
      // its own next round reports that it stays busy
    }
  }
  execFileSync('sync');
}

/**
 * The round with the median value (rounds are odd in number), its latencies and note with it, and
 * every round's value in the note; a failed round is the result.
 */
export function medianRound(results: TargetResult[], scenario: Pick<Scenario, 'unit'>): TargetResult {
  const failed = results.find((result) => 'error' in result);
  if (failed || results.length === 1) return failed ?? results[0];
  const measurements = results.map((result) => (result as { measurement: Measurement }).measurement);
  const sorted = [...measurements].sort((a, b) => a.value - b.value);
  const middle = sorted[(sorted.length - 1) / 2];
  const values = measurements.map((m) => m.value.toFixed(m.value < 10 ? 2 : 0)).join(', ');
  return { measurement: { ...middle, note: [`median of ${results.length} rounds: ${values} ${scenario.unit}`, middle.note].filter(Boolean).join('; ') } };
}

/** A request-rate scenario and the two independent clients the load-generator check measures it with. */
export interface LoadGeneratorPair {
  scenario: Scenario;
  /** the scenario's own client first */
  generators: [LoadGenerator, LoadGenerator];
}

/**
 * Rounds of the load-generator check. The two clients alternate (A B A B A B) and each one's
 * median is compared: measured back to back once each, the same client differed by 15-25 % between
 * two consecutive runs on this shared machine (2026-12-06), which the check read as a client limit.
 */
const CHECK_ROUNDS = 3;

/**
 * The load-generator check: the given request-rate scenarios on one target, each measured with
 * two independent clients in alternating rounds. Agreement of their medians within `tolerance`
 * says the figures are the server's, not the client's.
 */
export async function crossCheckLoadGenerators(pairs: LoadGeneratorPair[], target: Target, options: BenchOptions, tolerance: number): Promise<LoadGeneratorCheck[]> {
  const fixtures = new Map<string, Promise<unknown>>();
  const checks: LoadGeneratorCheck[] = [];
  for (const { scenario, generators } of pairs) {
    const results = new Map<LoadGenerator, TargetResult[]>(generators.map((generator) => [generator, []]));
    for (let round = 0; round < CHECK_ROUNDS; round += 1) {
      for (const generator of generators) results.get(generator)!.push(await runOne(scenario, target, options, fixtures, generator));
    }
    const measured = generators.map((generator) => {
      const rounds = results.get(generator)!.flatMap((r) => ('measurement' in r ? [r.measurement.value] : []));
      return { generator, value: rounds.length === CHECK_ROUNDS ? median(rounds) : undefined, rounds };
    });
    const [a, b] = measured.map((m) => m.value);
    const difference = a !== undefined && b !== undefined ? Math.abs(a - b) / Math.max(a, b) : undefined;
    const check: LoadGeneratorCheck = {
      id: scenario.id,
      title: scenario.title,
      target: target.label,
      measured,
      difference,
      verdict: difference === undefined ? 'ERROR' : difference <= tolerance ? 'PASS' : 'FAIL',
      error: [...results.values()].flat().map((r) => ('error' in r ? r.error : undefined)).find(Boolean),
    };
    console.error(`[load generators] ${scenario.title} on ${target.label}: ${describeMeasured(measured)} ${scenario.unit}`);
    checks.push(check);
  }
  return checks;
}

/** "ab 2410 (2380-2450), autocannon 2388 (2301-2420)": each client's median and the range of its rounds */
export function describeMeasured(measured: LoadGeneratorCheck['measured']): string {
  return measured
    .map((m) => `${m.generator} ${m.value?.toFixed(0) ?? 'ERROR'}${m.rounds.length > 1 ? ` (${Math.min(...m.rounds).toFixed(0)}-${Math.max(...m.rounds).toFixed(0)})` : ''}`)
    .join(', ');
}

export interface LoadGeneratorCheck {
  id: string;
  title: string;
  target: string;
  /** `value`: the median of the client's `rounds` (undefined when a round failed) */
  measured: { generator: LoadGenerator; value?: number; rounds: number[] }[];
  /** |a - b| / max(a, b) of the medians */
  difference?: number;
  verdict: 'PASS' | 'FAIL' | 'ERROR';
  error?: string;
}

async function runOne(scenario: Scenario, target: Target, options: BenchOptions, fixtures: Map<string, Promise<unknown>>, loadGenerator?: LoadGenerator): Promise<TargetResult> {
  const context: ScenarioContext = {
    target,
    options,
    loadGenerator,
    fixture<T>(key: string, create: () => Promise<T>): Promise<T> {
      let created = fixtures.get(key) as Promise<T> | undefined;
      if (!created) {
        created = create();
        fixtures.set(key, created);
        // a failed fixture is not cached: the next scenario that needs it tries again
        created.catch(() => fixtures.delete(key));
      }
      return created;
    },
    async measured<T>(work: () => Promise<T>): Promise<T> {
      if (!target.profiler) return work();
      await target.profiler.begin();
      const result = await work();
      await target.profiler.end(scenario.id);
      return result;
    },
  };
  // generous: a slow registry still finishes, a hung one does not stop the run
  const limitMs = 120_000 + 6 * (options.warmupSeconds + options.durationSeconds) * 1000;
  try {
    target.process.assertAlive();
    const waited = await waitUntilQuiet(target);
    // a fresh token per scenario: it then outlives any one scenario, however long --duration is
    await target.renewAuthorization?.();
    if (waited >= 1) console.error(`  (${target.label} needed ${waited.toFixed(1)} s to finish the previous scenario's requests)`);
    const measurement = await withTimeout(scenario.run(context), limitMs);
    if (waited >= 1) measurement.note = [measurement.note, `started after waiting ${waited.toFixed(1)} s for the previous scenario's requests to finish`].filter(Boolean).join('; ');
    return { measurement };
  } catch (error) {
    const message = (error as Error).message;
    // a dead registry explains the failure better than the ECONNRESET it caused
    if (!target.process.alive && !message.startsWith(target.process.name)) return { error: `${target.process.exitDescription()}\n(the scenario saw: ${message})` };
    return { error: message };
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function summarize(result: TargetResult, scenario: Scenario): string {
  if ('error' in result) return `ERROR ${result.error.split('\n')[0]}`;
  const m = result.measurement;
  return `${m.value.toFixed(1)} ${scenario.unit}${m.p50 !== undefined ? ` (p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99?.toFixed(2)} ms)` : ''}${m.note ? ` [${m.note}]` : ''}`;
}
