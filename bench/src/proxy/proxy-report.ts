import type { Verdict } from '../goals';
import { PROXY_GOALS, type ProxyMeasurement } from './proxy-bench';
import type { UpstreamRequestCount } from './upstream-requests';

export interface ProxyRow {
  id: string;
  title: string;
  unit: 'MB/s' | 's' | 'x' | 'requests' | 'GETs';
  value?: number;
  goalText: string;
  verdict: Verdict;
}

/** The proxy scenario's part of bench/results/latest.json (Wharf only: docker-registry is its upstream). */
export interface ProxyReport {
  id: string;
  rows: ProxyRow[];
  measurement?: ProxyMeasurement;
  error?: string;
}

/** Exactly the one manifest HEAD, in every round. */
const warmIsOneHead = (u: UpstreamRequestCount): boolean => u.total === PROXY_GOALS.warmUpstreamRequests && u.manifestHeads === 1;

export function buildProxyReport(id: string, measurement: ProxyMeasurement | undefined, error?: string): ProxyReport {
  const m = measurement;
  const c = m?.concurrent;
  const getsPerBlob = c ? c.blobDigests.map((d) => c.upstream.blobGets[d] ?? 0) : [];
  const rows: ProxyRow[] = [
    { id: 'proxy-direct', title: 'pull directly from the upstream', unit: 'MB/s', value: m?.median.direct.mbPerSecond, goalText: '-', verdict: 'n/a' },
    { id: 'proxy-direct-seconds', title: '  seconds', unit: 's', value: m?.median.direct.seconds, goalText: '-', verdict: 'n/a' },
    { id: 'proxy-cold', title: 'cold pull through the proxy', unit: 'MB/s', value: m?.median.cold.mbPerSecond, goalText: '-', verdict: 'n/a' },
    { id: 'proxy-cold-seconds', title: '  seconds', unit: 's', value: m?.median.cold.seconds, goalText: '-', verdict: 'n/a' },
    { id: 'proxy-warm', title: 'warm pull through the proxy', unit: 'MB/s', value: m?.median.warm.mbPerSecond, goalText: '-', verdict: 'n/a' },
    { id: 'proxy-warm-seconds', title: '  seconds', unit: 's', value: m?.median.warm.seconds, goalText: '-', verdict: 'n/a' },
    {
      id: 'proxy-cold-ratio',
      title: 'cold / direct speed',
      unit: 'x',
      value: m?.coldRatio,
      goalText: `>= ${PROXY_GOALS.coldRatio.toFixed(2)}x`,
      verdict: m ? (m.coldRatio >= PROXY_GOALS.coldRatio ? 'PASS' : 'FAIL') : 'ERROR',
    },
    { id: 'proxy-warm-ratio', title: 'warm / direct speed', unit: 'x', value: m?.warmRatio, goalText: '-', verdict: 'n/a' },
    {
      id: 'proxy-warm-upstream-requests',
      title: 'upstream requests per warm pull (max of rounds)',
      unit: 'requests',
      value: m ? Math.max(...m.rounds.map((r) => r.warmUpstream.total)) : undefined,
      goalText: '1 (HEAD)',
      verdict: m ? (m.rounds.every((r) => warmIsOneHead(r.warmUpstream)) ? 'PASS' : 'FAIL') : 'ERROR',
    },
    { id: 'proxy-concurrent-wall', title: `${c?.pulls ?? 50} concurrent cold pulls, wall time`, unit: 's', value: c?.wallSeconds, goalText: '-', verdict: 'n/a' },
    {
      id: 'proxy-concurrent-gets-per-blob',
      title: '  upstream GETs per blob (max)',
      unit: 'GETs',
      value: c ? Math.max(...getsPerBlob) : undefined,
      goalText: 'exactly 1',
      // no figures and no error: skipped (--quick)
      verdict: c ? (getsPerBlob.every((n) => n === PROXY_GOALS.upstreamGetsPerBlob) && c.succeeded === c.pulls ? 'PASS' : 'FAIL') : m && !error ? 'n/a' : 'ERROR',
    },
  ];
  return { id, rows, measurement, error };
}

export function formatProxyTable(report: ProxyReport): string {
  const header = ['Proxy-cache scenario (Wharf, median of rounds)', 'unit', 'Wharf', 'goal', 'result'];
  const lines = report.rows.map((r) => [r.title, r.unit, r.value === undefined ? '-' : format(r.value, r.unit), r.goalText, r.verdict === 'n/a' ? '-' : r.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ');
  const out = [render(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(render)];
  const m = report.measurement;
  if (m) {
    out.push(
      '',
      `Image: ${m.layers} layers + config, ${m.imageMB.toFixed(0)} MB, new for every round; ${m.parallelBlobDownloads} parallel blob downloads per pull, every byte read and ` +
        `digest-checked; Wharf storage ${m.storage}, upstream docker-registry on filesystem; endpoint made by ${m.endpointOrigin}`,
    );
    for (const [i, r] of m.rounds.entries()) {
      out.push(
        `round ${i + 1} (${r.project}): direct ${figure(r.direct)}, cold ${figure(r.cold)}, warm ${figure(r.warm)}; cold/direct ${(r.cold.mbPerSecond / r.direct.mbPerSecond).toFixed(2)}x; ` +
          `upstream during cold: ${r.coldUpstream.manifestHeads} manifest HEAD, ${r.coldUpstream.manifestGets} manifest GET, ${Object.values(r.coldUpstream.blobGets).reduce((a, b) => a + b, 0)} blob GETs ` +
          `(${r.coldUpstream.total} in all); during warm: ${r.warmUpstream.lines.join(', ') || 'none'}`,
        `  CPU seconds: direct ${cpuText(r.cpu.direct)}; cold ${cpuText(r.cpu.cold)}; warm ${cpuText(r.cpu.warm)}`,
      );
    }
    const c = m.concurrent;
    if (c) {
      out.push(
        `${c.pulls} concurrent cold pulls (${c.project}): ${c.succeeded} succeeded, wall ${c.wallSeconds.toFixed(1)} s, single pulls ${c.fastestSeconds.toFixed(1)}-${c.slowestSeconds.toFixed(1)} s, ` +
          `${c.aggregateMbPerSecond.toFixed(0)} MB/s served in all; upstream: ${c.upstream.manifestHeads} manifest HEAD, ${c.upstream.manifestGets} manifest GET, ` +
          `GETs per blob ${c.blobDigests.map((d) => c.upstream.blobGets[d] ?? 0).join(' ')} (${c.upstream.total} requests in all)` +
          (c.failures.length ? `; failures: ${c.failures.join(' | ')}` : ''),
      );
    }
    if (m.apiRssMB.after !== undefined) out.push(`api RSS: ${m.apiRssMB.before} MB before the scenario, ${m.apiRssMB.after} MB after it`);
  }
  if (report.error) out.push('', `Proxy scenario ERROR: ${report.error}`);
  return out.join('\n');
}

const cpuText = (cpu: Record<string, number>): string =>
  ['api', 'bench', 'upstream', 'rest'].map((k) => `${k} ${(cpu[k] ?? 0).toFixed(2)}`).join(', ');

const figure = (f: { mbPerSecond: number; seconds: number }): string => `${f.mbPerSecond.toFixed(0)} MB/s ${f.seconds.toFixed(2)} s`;

function format(value: number, unit: ProxyRow['unit']): string {
  if (!Number.isFinite(value)) return '?';
  if (unit === 'x') return `${value.toFixed(2)}x`;
  if (unit === 'requests' || unit === 'GETs') return String(value);
  if (unit === 'MB/s') return value.toFixed(0);
  return value.toFixed(2);
}
