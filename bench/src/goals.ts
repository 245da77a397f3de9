/**
 * The performance goals of the issue: a minimum Wharf/docker-registry ratio for throughput
 * scenarios, an absolute ceiling for the api's memory.
 */
export type Goal = { kind: 'min-ratio'; ratio: number } | { kind: 'wharf-below'; value: number; unit: string };

export type Verdict = 'PASS' | 'FAIL' | 'ERROR' | 'n/a';

export const atLeastRatio = (ratio: number): Goal => ({ kind: 'min-ratio', ratio });
export const wharfBelow = (value: number, unit: string): Goal => ({ kind: 'wharf-below', value, unit });

export function describeGoal(goal: Goal | undefined): string {
  if (!goal) return '-';
  return goal.kind === 'min-ratio' ? `>= ${goal.ratio.toFixed(1)}x` : `< ${goal.value} ${goal.unit}`;
}

/**
 * PASS/FAIL against the goal; ERROR when a measurement the goal needs failed; n/a without a
 * goal or without docker-registry for a ratio goal.
 */
export function judge(goal: Goal | undefined, wharf: number | 'error' | undefined, registry: number | 'error' | undefined): Verdict {
  if (!goal) return 'n/a';
  if (goal.kind === 'wharf-below') {
    if (wharf === 'error' || wharf === undefined) return 'ERROR';
    return wharf < goal.value ? 'PASS' : 'FAIL';
  }
  if (registry === undefined) return 'n/a';
  if (wharf === 'error' || wharf === undefined || registry === 'error') return 'ERROR';
  return ratio(wharf, registry) >= goal.ratio ? 'PASS' : 'FAIL';
}

export const ratio = (wharf: number, registry: number): number => (registry === 0 ? Infinity : wharf / registry);
