import type { Goal } from './goals';
import type { BenchOptions } from './options';
import type { Target } from './targets/target';

export type Unit = 'MB/s' | 'req/s' | 'ops/s' | 'MB';

/**
 * The closed-loop clients: autocannon (node, http-parser-js), undici's Pool (node, llhttp) and
 * ApacheBench (C; one request repeated unchanged only).
 */
export type LoadGenerator = 'autocannon' | 'undici' | 'ab';

/** What one scenario measured on one registry. */
export interface Measurement {
  value: number;
  /** latency percentiles in ms, for the request-rate scenarios */
  p50?: number;
  p99?: number;
  /** how it was measured (upload flavor, op count, failures) */
  note?: string;
}

export interface ScenarioContext {
  target: Target;
  options: BenchOptions;
  /**
   * Per-registry fixtures shared between scenarios (e.g. the manifest's blobs), created once
   * by whichever scenario needs them first: fixture(key, create).
   */
  fixture<T>(key: string, create: () => Promise<T>): Promise<T>;
  /**
   * The closed-loop client the load-generator check asks for; undefined lets the scenario use its
   * own (see measureLoad: ab for one request repeated, autocannon otherwise).
   */
  loadGenerator?: LoadGenerator;
  /** Wraps the measured part of a scenario (with --profile-api it is profiled on Wharf). */
  measured<T>(work: () => Promise<T>): Promise<T>;
}

export interface Scenario {
  /** stable id, used by --only, in the JSON and as the CPU profile's name */
  id: string;
  title: string;
  unit: Unit;
  higherIsBetter: boolean;
  goal?: Goal;
  /** runs setup, warm-up and the measurement against ctx.target */
  run(ctx: ScenarioContext): Promise<Measurement>;
}
