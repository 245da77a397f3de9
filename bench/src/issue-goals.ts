/**
 * Issue 19's table as pass/fail lines: every row of the issue, judged from what this run
 * measured (the scenario rows, the GC and proxy sections, the api's RSS after the load, the
 * cost curves and the load-generator check). A row whose measurement did not run says n/a and
 * how to run it.
 */
import type { CurveVerdict } from './cost-curves/cost-curve-report';
import type { GcReport } from './gc/gc-report';
import type { StorageKind } from './options';
import type { ProxyReport } from './proxy/proxy-report';
import type { ReportRow } from './report';
import { describeMeasured, type LoadGeneratorCheck } from './runner';

export type GoalVerdict = 'PASS' | 'FAIL' | 'ERROR' | 'n/a';

export interface IssueGoalLine {
  goal: string;
  verdict: GoalVerdict;
  /** what was measured (after; and before, with --baseline) */
  detail: string;
}

export const ISSUE_GOALS = {
  gcSeconds: 120,
  gcPushRatio: 0.8,
  apiRssMB: 200,
  loadGeneratorTolerance: 0.1,
} as const;

export interface IssueGoalInput {
  rows: ReportRow[];
  storage: StorageKind;
  gc?: GcReport;
  proxy?: ProxyReport;
  /** VmRSS of each api after every scenario ran (MB) */
  apiRssAfterLoadMB?: { after?: number; before?: number };
  costCurves?: CurveVerdict[] | { error: string };
  loadGenerators?: LoadGeneratorCheck[] | { error: string };
}

/** The rows of the issue's table, by the scenario ids that measure them. */
const RATIO_GOALS: { goal: string; id: string; min: number }[] = [
  { goal: 'manifest HEAD by tag, c16 >= 3x', id: 'manifest-head-c16', min: 3 },
  { goal: 'manifest GET by tag, c16 >= 3x', id: 'manifest-get-c16', min: 3 },
  { goal: 'blob pull 32 MiB >= 1.0x', id: 'blob-pull-32MiB', min: 1 },
  { goal: 'blob push 32 MiB, POST+PATCH+PUT >= 1.0x', id: 'blob-push-docker-32MiB', min: 1 },
  { goal: 'blob push 32 MiB, monolithic >= 1.0x', id: 'blob-push-monolithic-32MiB', min: 1 },
  { goal: '4 KiB blob push c16, docker-style POST+PATCH+PUT >= 1.5x', id: 'blob-push-docker-4KiB-c16', min: 1.5 },
  { goal: '4 KiB blob push c16, monolithic >= 1.5x', id: 'blob-push-monolithic-4KiB-c16', min: 1.5 },
  { goal: 'manifest PUT c16, a new tag each >= 1.0x', id: 'manifest-put-c16', min: 1 },
  { goal: 'blob pull 32 MiB with Basic credentials on every request >= 0.9x', id: 'blob-pull-32MiB-basic', min: 0.9 },
  { goal: '4 KiB blob push c16 with Basic credentials on every request >= 0.9x', id: 'blob-push-docker-4KiB-c16-basic', min: 0.9 },
];

export function issueGoalLines(input: IssueGoalInput): IssueGoalLine[] {
  const lines: IssueGoalLine[] = [];
  for (const { goal, id, min } of RATIO_GOALS) {
    const row = input.rows.find((r) => r.id === id);
    if (!row) {
      lines.push({ goal, verdict: 'n/a', detail: `not measured in this run (--only '${id}')` });
      continue;
    }
    const before = row.baselineRatio === undefined ? '' : `; before ${row.baselineRatio.toFixed(2)}x`;
    if (row.ratio === undefined) {
      lines.push({ goal, verdict: row.verdict === 'n/a' ? 'n/a' : 'ERROR', detail: `no ratio (${row.dockerRegistry === undefined ? 'docker-registry not measured' : 'a measurement failed'})${before}` });
      continue;
    }
    lines.push({ goal, verdict: row.ratio >= min ? 'PASS' : 'FAIL', detail: `${row.ratio.toFixed(2)}x${before}` });
  }

  const proxy = input.proxy;
  const cold = proxy?.rows.find((r) => r.id === 'proxy-cold-ratio');
  lines.push(
    !proxy
      ? { goal: 'cold pull through a proxy project >= 0.9x the direct pull', verdict: 'n/a', detail: `not run (--only '^proxy$')` }
      : { goal: 'cold pull through a proxy project >= 0.9x the direct pull', verdict: cold?.verdict === 'PASS' || cold?.verdict === 'FAIL' ? cold.verdict : 'ERROR', detail: cold?.value === undefined ? (proxy.error ?? 'no figure').split('\n')[0] : `${cold.value.toFixed(2)}x` },
  );

  const gcGoal = `GC of 100k blobs on S3 <= ${ISSUE_GOALS.gcSeconds} s with pushes >= ${ISSUE_GOALS.gcPushRatio}x`;
  const gc = input.gc?.measurement;
  if (!input.gc) lines.push({ goal: gcGoal, verdict: 'n/a', detail: `not run (--only '^gc$' --storage s3)` });
  else if (!gc) lines.push({ goal: gcGoal, verdict: 'ERROR', detail: (input.gc.error ?? 'no measurement').split('\n')[0] });
  else if (!Number.isFinite(gc.pushRatio)) lines.push({ goal: gcGoal, verdict: 'ERROR', detail: `${gc.totalSeconds.toFixed(1)} s, but no push finished without GC: nothing to compare pushes during GC with` });
  else {
    const pass = gc.totalSeconds <= ISSUE_GOALS.gcSeconds && gc.pushRatio >= ISSUE_GOALS.gcPushRatio;
    const detail = `${gc.totalSeconds.toFixed(1)} s, pushes ${gc.pushRatio.toFixed(2)}x`;
    lines.push(
      input.storage === 's3'
        ? { goal: gcGoal, verdict: pass ? 'PASS' : 'FAIL', detail }
        : { goal: gcGoal, verdict: 'n/a', detail: `${detail} on the filesystem; the goal is on S3 (--only '^gc$' --storage s3)` },
    );
  }

  const rss = input.apiRssAfterLoadMB;
  const rssGoal = `api process RSS after the load <= ${ISSUE_GOALS.apiRssMB} MB`;
  lines.push(
    rss?.after === undefined
      ? { goal: rssGoal, verdict: 'n/a', detail: 'no scenario ran on Wharf' }
      : { goal: rssGoal, verdict: rss.after <= ISSUE_GOALS.apiRssMB ? 'PASS' : 'FAIL', detail: `${rss.after} MB${rss.before === undefined ? '' : `; before ${rss.before} MB`}` },
  );

  const curves = input.costCurves;
  if (!curves) lines.push({ goal: 'cost curves', verdict: 'n/a', detail: `not run (--only '^cost-curves$')` });
  else if ('error' in curves) lines.push({ goal: 'cost curves', verdict: 'ERROR', detail: curves.error.split('\n')[0] });
  else for (const c of curves) lines.push({ goal: `cost curve: ${c.curve}`, verdict: c.verdict, detail: c.detail });

  const generators = input.loadGenerators;
  const tolerance = `${ISSUE_GOALS.loadGeneratorTolerance * 100}%`;
  if (!generators) lines.push({ goal: `load generator not the bottleneck (two clients within ${tolerance})`, verdict: 'n/a', detail: `not run (--only '^load-generators$')` });
  else if ('error' in generators) lines.push({ goal: `load generator not the bottleneck`, verdict: 'ERROR', detail: generators.error.split('\n')[0] });
  else {
    for (const check of generators) {
      lines.push({
        goal: `load generators agree within ${tolerance}: ${check.title} on ${check.target}`,
        verdict: check.verdict,
        detail: check.difference === undefined ? (check.error ?? 'failed').split('\n')[0] : `${describeMeasured(check.measured)}: ${(check.difference * 100).toFixed(1)}% apart`,
      });
    }
  }
  return lines;
}

export function formatIssueGoals(lines: IssueGoalLine[]): string {
  const width = Math.max(...lines.map((l) => l.goal.length));
  return ['Issue 19 goals', ...lines.map((l) => `${l.verdict.padEnd(5)} ${l.goal.padEnd(width)}  ${l.detail}`)].join('\n');
}
