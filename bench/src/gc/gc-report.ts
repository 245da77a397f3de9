import type { Verdict } from '../goals';
import { GC_GOALS, type GcMeasurement } from './gc-bench';

export interface GcRow {
  id: string;
  title: string;
  unit: 's' | 'MB' | 'pushes/s' | 'x' | 'blobs';
  value?: number;
  goalText: string;
  verdict: Verdict;
}

/** The GC scenario's part of bench/results/latest.json (Wharf only: docker-registry has no online GC). */
export interface GcReport {
  id: string;
  rows: GcRow[];
  measurement?: GcMeasurement;
  error?: string;
}

const below = (value: number, limit: number): Verdict => (value < limit ? 'PASS' : 'FAIL');

export function buildGcReport(id: string, measurement: GcMeasurement | undefined, error?: string): GcReport {
  const m = measurement;
  const verdictOr = (judge: (m: GcMeasurement) => Verdict): Verdict => (m ? judge(m) : 'ERROR');
  const rows: GcRow[] = [
    { id: 'gc-total', title: 'GC run, schedule to Success', unit: 's', value: m?.totalSeconds, goalText: `< ${GC_GOALS.totalSeconds} s`, verdict: verdictOr((x) => below(x.totalSeconds, GC_GOALS.totalSeconds)) },
    { id: 'gc-mark', title: '  time to mark', unit: 's', value: m?.markSeconds, goalText: '-', verdict: 'n/a' },
    { id: 'gc-sweep', title: '  time to sweep', unit: 's', value: m?.sweepSeconds, goalText: '-', verdict: 'n/a' },
    { id: 'gc-worker-peak-rss', title: 'worker peak RSS during GC', unit: 'MB', value: m?.workerPeakMB, goalText: `< ${GC_GOALS.workerPeakMB} MB`, verdict: verdictOr((x) => below(x.workerPeakMB, GC_GOALS.workerPeakMB)) },
    { id: 'gc-push-baseline', title: 'image pushes without GC', unit: 'pushes/s', value: m?.baseline.pushesPerSecond, goalText: '-', verdict: 'n/a' },
    { id: 'gc-push-during', title: 'image pushes during GC', unit: 'pushes/s', value: m?.duringGc.pushesPerSecond, goalText: '-', verdict: 'n/a' },
    {
      id: 'gc-push-ratio',
      title: 'push throughput kept during GC',
      unit: 'x',
      value: m?.pushRatio,
      goalText: `>= ${GC_GOALS.pushRatio.toFixed(2)}x`,
      verdict: verdictOr((x) => (!Number.isFinite(x.pushRatio) ? 'ERROR' : x.pushRatio >= GC_GOALS.pushRatio ? 'PASS' : 'FAIL')),
    },
    { id: 'gc-blobs-deleted', title: 'blobs deleted', unit: 'blobs', value: m ? Number(m.progress.blobs_deleted ?? NaN) : undefined, goalText: '-', verdict: 'n/a' },
    { id: 'gc-integrity', title: 'referenced kept, unreferenced gone', unit: 'blobs', goalText: 'all', verdict: error ? 'FAIL' : m ? 'PASS' : 'ERROR' },
  ];
  return { id, rows, measurement, error };
}

export function formatGcTable(report: GcReport): string {
  const header = ['GC scenario (Wharf only)', 'unit', 'Wharf', 'goal', 'result'];
  const lines = report.rows.map((r) => [r.title, r.unit, r.value === undefined ? '-' : format(r.value, r.unit), r.goalText, r.verdict === 'n/a' ? '-' : r.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  const out = [render(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(render)];
  const m = report.measurement;
  if (m) {
    const v = m.verification;
    out.push(
      '',
      `Data set (${m.storage}): ${m.seed.unreferencedBlobs.toLocaleString('en-US')} unreferenced blobs (${m.seed.unreferencedWithObject.toLocaleString('en-US')} with an object in storage), ` +
        `${m.seed.artifacts.toLocaleString('en-US')} tagged artifacts over ${m.seed.referencedBlobs.toLocaleString('en-US')} referenced blobs; rows in ${m.seed.rowSeconds.toFixed(1)} s, ` +
        `${m.seed.objectsWritten.toLocaleString('en-US')} objects in ${m.seed.objectSeconds.toFixed(1)} s (${m.seed.putsPerSecond.toFixed(0)} writes/s)`,
      `GC: queue pick-up ${m.queueSeconds.toFixed(1)} s, mark ${m.markSeconds.toFixed(1)} s, sweep ${m.sweepSeconds.toFixed(1)} s, uploads+done ${m.tailSeconds.toFixed(1)} s; ` +
        `worker RSS idle ${m.workerIdleMB.toFixed(0)} MB, peak ${m.workerPeakMB.toFixed(0)} MB; progress ${JSON.stringify(m.progress)}`,
      `Pushes (8 connections, layer + config + manifest): ${m.baseline.pushes} in ${m.baseline.seconds.toFixed(1)} s without GC, ` +
        `${m.duringGc.pushes} in ${m.duringGc.seconds.toFixed(1)} s during GC; failures ${m.baseline.failures} / ${m.duringGc.failures}` +
        (m.duringGc.failureText ? ` (${m.duringGc.failureText})` : ''),
      `CPU seconds without GC (${m.baseline.seconds.toFixed(0)} s): ${cpuText(m.cpu.baseline)}`,
      `CPU seconds during GC (${m.duringGc.seconds.toFixed(0)} s): ${cpuText(m.cpu.duringGc)}`,
      `Pacing: ${m.pacing ?? '-'}`,
      `Checked after GC: ${v.danglingReferences} artifact_blob rows naming a missing blob, ${v.pushedObjectsMissing}/${v.pushedObjectsChecked} objects of pushed images missing; ` +
        `${v.unreferencedRowsLeft} unreferenced rows left, ${v.unreferencedObjectsLeft}/${v.unreferencedObjectsChecked} sampled unreferenced objects left; ` +
        `${v.referencedRowsMissing} referenced rows missing, ${v.referencedObjectsMissing}/${v.referencedObjectsChecked} sampled referenced objects missing, ${v.artifactsLeft} seeded artifacts left`,
    );
  }
  if (report.error) out.push('', `GC scenario ERROR: ${report.error}`);
  return out.join('\n');
}

const cpuText = (cpu: Record<string, number>): string =>
  Object.entries(cpu)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');

function format(value: number, unit: GcRow['unit']): string {
  if (Number.isNaN(value)) return '?';
  if (unit === 'x') return `${value.toFixed(2)}x`;
  if (unit === 'blobs' || unit === 'MB') return Math.round(value).toLocaleString('en-US');
  return value.toFixed(1);
}
