import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeGoal, judge, ratio, type Goal, type Verdict } from './goals';
import type { ScenarioOutcome, TargetResult } from './runner';
import type { Measurement, Unit } from './scenario';
import type { MachineInfo } from './machine';
import { TARGET_LABELS, type TargetId } from './targets/target';

export interface ReportRow {
  id: string;
  title: string;
  unit: Unit;
  higherIsBetter: boolean;
  goal?: Goal;
  goalText: string;
  wharf?: Measurement | { error: string };
  /** Wharf built from --baseline <ref>: the "before" */
  baseline?: Measurement | { error: string };
  dockerRegistry?: Measurement | { error: string };
  /** Wharf / docker-registry, when both were measured */
  ratio?: number;
  /** Wharf baseline / docker-registry */
  baselineRatio?: number;
  verdict: Verdict;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  settings: Record<string, unknown>;
  targets: Partial<Record<TargetId, { baseUrl?: string; pid?: number; monolithic?: string; rssAfterStartMB?: number; unavailable?: string; output?: string }>>;
  rows: ReportRow[];
}

const flatten = (result: TargetResult | undefined): Measurement | { error: string } | undefined =>
  result === undefined ? undefined : 'error' in result ? { error: result.error } : result.measurement;

const valueOf = (result: TargetResult | undefined): number | 'error' | undefined =>
  result === undefined ? undefined : 'error' in result ? 'error' : result.measurement.value;

export function buildRows(outcomes: ScenarioOutcome[]): ReportRow[] {
  return outcomes.map(({ scenario, results }) => {
    const wharf = valueOf(results.wharf);
    const baseline = valueOf(results.baseline);
    const registry = valueOf(results.dockerRegistry);
    return {
      id: scenario.id,
      title: scenario.title,
      unit: scenario.unit,
      higherIsBetter: scenario.higherIsBetter,
      goal: scenario.goal,
      goalText: describeGoal(scenario.goal),
      wharf: flatten(results.wharf),
      baseline: flatten(results.baseline),
      dockerRegistry: flatten(results.dockerRegistry),
      ratio: typeof wharf === 'number' && typeof registry === 'number' ? ratio(wharf, registry) : undefined,
      baselineRatio: typeof baseline === 'number' && typeof registry === 'number' ? ratio(baseline, registry) : undefined,
      verdict: judge(scenario.goal, wharf, registry),
    };
  });
}

export function writeReport(report: BenchReport, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** The table for the terminal, then the errors in full (the table shows only that there was one). */
export function formatTable(report: BenchReport): string {
  const withBaseline = report.rows.some((row) => row.baseline !== undefined);
  const header = [
    'scenario',
    'unit',
    withBaseline ? `${TARGET_LABELS.wharf} (after)` : TARGET_LABELS.wharf,
    ...(withBaseline ? ['Wharf (before)'] : []),
    TARGET_LABELS.dockerRegistry,
    withBaseline ? 'after/d-r' : 'ratio W/d-r',
    ...(withBaseline ? ['before/d-r'] : []),
    'goal',
    'result',
  ];
  const lines = report.rows.map((row) => [
    row.title,
    row.unit,
    cell(row.wharf, row.unit),
    ...(withBaseline ? [cell(row.baseline, row.unit)] : []),
    cell(row.dockerRegistry, row.unit),
    times(row.ratio),
    ...(withBaseline ? [times(row.baselineRatio)] : []),
    row.goalText,
    row.verdict === 'n/a' ? '-' : row.verdict,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  const out = [render(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(render)];
  out.push('', 'req/s and ops/s cells: rate (p50 / p99 latency in ms). MB = 10^6 bytes.');

  const notes: string[] = [];
  for (const [id, info] of Object.entries(report.targets)) {
    const label = TARGET_LABELS[id as TargetId];
    if (info.unavailable) notes.push(`${label}: not measured: ${info.unavailable}`);
    else notes.push(`${label}: monolithic upload = ${info.monolithic}; RSS right after start ${info.rssAfterStartMB} MB`);
  }
  for (const row of report.rows) {
    for (const [label, result] of [[TARGET_LABELS.wharf, row.wharf], [TARGET_LABELS.baseline, row.baseline], [TARGET_LABELS.dockerRegistry, row.dockerRegistry]] as const) {
      if (result && 'error' in result) notes.push(`${row.title} on ${label}: ERROR ${indent(result.error)}`);
      else if (result?.note) notes.push(`${row.title} on ${label}: ${result.note}`);
    }
  }
  if (notes.length > 0) out.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  for (const [id, info] of Object.entries(report.targets)) {
    if (info.output) out.push('', `${TARGET_LABELS[id as TargetId]} printed (last lines):`, indent(`      ${info.output}`));
  }
  return out.join('\n');
}

function cell(result: Measurement | { error: string } | undefined, unit: Unit): string {
  if (result === undefined) return '-';
  if ('error' in result) return 'ERROR';
  const value = unit === 'MB/s' ? result.value.toFixed(1) : Math.round(result.value).toLocaleString('en-US');
  return result.p50 === undefined ? value : `${value} (${ms(result.p50)} / ${ms(result.p99)})`;
}

const times = (value: number | undefined): string => (value === undefined ? '-' : `${value.toFixed(2)}x`);

const ms = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '?' : value < 10 ? value.toFixed(2) : value.toFixed(1));

const indent = (text: string): string => text.split('\n').join('\n      ');
