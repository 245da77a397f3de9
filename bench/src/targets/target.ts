import type { MonolithicFlavor } from '../registry-client';
import type { ManagedProcess } from './managed-process';
import type { CpuProfiler } from './cpu-profiler';

export type TargetId = 'wharf' | 'dockerRegistry';

export const TARGET_LABELS: Record<TargetId, string> = { wharf: 'Wharf', dockerRegistry: 'docker-registry' };

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
  /** fetches a fresh `authorization` (Wharf's tokens expire); the runner calls it before each scenario */
  renewAuthorization?: () => Promise<void>;
}

/** A registry the bench wanted to measure: running, or why not (not installed, failed to start). */
export type TargetSlot = { id: TargetId; target: Target } | { id: TargetId; unavailable: string };
