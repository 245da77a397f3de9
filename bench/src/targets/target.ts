import type { MonolithicFlavor } from '../registry-client';
import type { ManagedProcess } from './managed-process';
import type { CpuProfiler } from './cpu-profiler';

/** `baseline`: Wharf built from `--baseline <git-ref>` (the "before" of a before/after run). */
export type TargetId = 'wharf' | 'baseline' | 'dockerRegistry';

export const TARGET_LABELS: Record<TargetId, string> = { wharf: 'Wharf', baseline: 'Wharf baseline', dockerRegistry: 'docker-registry' };

/** How a scenario's client authenticates: as docker does (the bearer token from the challenge), or Basic credentials on every request. */
export type ClientAuth = 'bearer' | 'basic';

/** A running registry under test. */
export interface Target {
  id: TargetId;
  label: string;
  baseUrl: string;
  process: ManagedProcess;
  /** found by a probe push right after start */
  monolithic: MonolithicFlavor;
  /** only for the Wharf api when --profile-api is given */
  profiler?: CpuProfiler;
  /** work in flight outside the process (Wharf: statements running in its database) */
  busy?: () => Promise<boolean>;
  /**
   * `Authorization` header every /v2 request sends: Wharf's docker bearer token
   * (`Bearer <jwt>`); undefined for docker-registry, which runs without auth.
   */
  authorization?: string;
  /**
   * `Authorization` of a client that sends Basic credentials on every request instead of
   * following the challenge to a token (Wharf: `Basic admin:…`); undefined for docker-registry.
   */
  basicAuthorization?: string;
  /** fetches a fresh `authorization` (Wharf's tokens expire); the runner calls it before each scenario */
  renewAuthorization?: () => Promise<void>;
}

/** A registry the bench wanted to measure: running, or why not (not installed, failed to start). */
export type TargetSlot = { id: TargetId; target: Target } | { id: TargetId; unavailable: string };

/** The Authorization header a client of the given kind sends to this target (none for an open registry). */
export function authorizationOf(target: Target, auth: ClientAuth): string | undefined {
  return auth === 'basic' ? target.basicAuthorization : target.authorization;
}
