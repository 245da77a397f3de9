import type { CostCurves, CurvePoint } from './cost-curve-bench';

/** Noise allowance on top of logarithmic growth: a shared 2-core machine moves single-request latencies by this much. */
const NOISE = 1.5;
export const LIST_P99_GOAL_MS = 50;
const LIST_P99_AT = 100_000;

export interface CurveVerdict {
  curve: string;
  verdict: 'PASS' | 'FAIL' | 'n/a';
  detail: string;
}

/**
 * "Flat or at most logarithmic": p50 at the largest size within NOISE x (log n_max / log n_min)
 * of p50 at the smallest. Linear growth (a scan or a sort of the table) over 1k -> 1M is 1000x,
 * so the line separates the two whatever the noise.
 */
export function judgeCurve(curve: string, points: CurvePoint[]): CurveVerdict {
  if (points.length < 2) return { curve, verdict: 'n/a', detail: 'fewer than two sizes measured' };
  const first = points[0];
  const last = points.at(-1)!;
  const unit = curve.includes('per blob') ? 'µs' : 'ms';
  const allowed = NOISE * Math.max(1, Math.log(last.size) / Math.log(first.size));
  const growth = last.p50 / first.p50;
  return {
    curve,
    verdict: growth <= allowed ? 'PASS' : 'FAIL',
    detail: `${fmt(first.p50)} ${unit} at ${count(first.size)} -> ${fmt(last.p50)} ${unit} at ${count(last.size)}: x${growth.toFixed(2)} (allowed x${allowed.toFixed(2)}: logarithmic growth x${NOISE} noise)`,
  };
}

export function costCurveVerdicts(curves: CostCurves): CurveVerdict[] {
  const verdicts = [
    judgeCurve('manifest HEAD by tag (cache miss)', curves.manifestHead),
    judgeCurve('artifact list page (portal query)', curves.artifactList),
    judgeCurve('project list page', curves.projectList),
  ];
  // mark has to visit every blob: its total is linear by nature; what must stay flat is the cost per blob
  verdicts.push(judgeCurve('GC mark time per blob', curves.gcMark.map((g) => ({ size: g.blobs, p50: g.microsecondsPerBlob, p99: g.microsecondsPerBlob, samples: 1 }))));
  const at = curves.artifactList.find((p) => p.size === LIST_P99_AT);
  verdicts.push(
    at
      ? { curve: `artifact list p99 at ${count(LIST_P99_AT)} artifacts < ${LIST_P99_GOAL_MS} ms`, verdict: at.p99 < LIST_P99_GOAL_MS ? 'PASS' : 'FAIL', detail: `p99 ${fmt(at.p99)} ms (p50 ${fmt(at.p50)} ms)` }
      : { curve: `artifact list p99 at ${count(LIST_P99_AT)} artifacts < ${LIST_P99_GOAL_MS} ms`, verdict: 'n/a', detail: `${count(LIST_P99_AT)} not among --cost-sizes` },
  );
  return verdicts;
}

export function formatCostCurves(curves: CostCurves): string {
  const lines = ['Cost curves (one request at a time; latency p50 / p99 in ms)', ''];
  const header = ['artifacts', 'seed s', 'manifest HEAD (cache miss)', 'artifact list page', 'GC mark: blobs, s, µs/blob'];
  const rows = curves.manifestHead.map((head, i) => {
    const mark = curves.gcMark[i];
    return [count(head.size), (curves.seedSeconds[head.size] ?? 0).toFixed(1), pair(head), pair(curves.artifactList[i]), mark ? `${count(mark.blobs)}, ${mark.markSeconds.toFixed(1)}, ${mark.microsecondsPerBlob.toFixed(1)}` : '-'];
  });
  lines.push(...table(header, rows), '');
  lines.push(...table(['projects', 'project list page'], curves.projectList.map((p) => [count(p.size), pair(p)])), '');
  lines.push(`artifact list query: ?page=1..10&${curves.listQuery} (anonymous: library is public)`);
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  return [render(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(render)];
}

const pair = (p: CurvePoint | undefined): string => (p ? `${fmt(p.p50)} / ${fmt(p.p99)}` : '-');
const fmt = (v: number): string => (Number.isNaN(v) ? '?' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const count = (n: number): string => (n >= 1_000_000 ? `${round(n / 1_000_000)}M` : n >= 1_000 ? `${round(n / 1_000)}k` : String(n));
const round = (n: number): string => String(Math.round(n * 10) / 10);
