import {
  HARBOR_VULNERABILITY_REPORT_V10,
  SEVERITIES,
  VULNERABILITY_REPORT_V11,
  type ScanOverview,
  type ScanReportRow,
  type ScanSeverity,
  type ScanStatus,
  type VulnerabilitySummary,
} from '../scan-report';

/**
 * Harbor's answers built from `scan_report` rows, as pure functions: the scan overview of one
 * artifact (src/pkg/scan/report GenerateNativeSummary), of an index (its children's overviews
 * merged, vuln.NativeReportSummary.Merge), the SBOM overview, and the vulnerability report of an
 * index (its children's reports merged). The rows are read elsewhere, a page at a time.
 */

/** What a client may ask for in `X-Accept-Vulnerabilities`, in Harbor's default order. */
export const DEFAULT_VULNERABILITY_MIME_TYPES = [VULNERABILITY_REPORT_V11, HARBOR_VULNERABILITY_REPORT_V10] as const;

/**
 * The report mime types of `X-Accept-Vulnerabilities` (comma separated, Harbor's
 * parseScanReportMimeTypes): known types in the client's order, Harbor's default when none.
 */
export function acceptedVulnerabilityMimeTypes(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const known = new Set<string>(DEFAULT_VULNERABILITY_MIME_TYPES);
  const wanted = text
    .split(',')
    .map((part) => normalizeMimeType(part))
    .filter((type) => known.has(type));
  const unique = [...new Set(wanted)];
  return unique.length > 0 ? unique : [...DEFAULT_VULNERABILITY_MIME_TYPES];
}

/** `application/x; version=1.1` whatever the spacing around `;`. */
const normalizeMimeType = (value: string): string =>
  value
    .trim()
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .join('; ');

/** The columns an overview needs (no `report`: a page's overviews never load whole reports). */
export type OverviewRow = Pick<ScanReportRow, 'uuid' | 'digest' | 'mime_type' | 'scan_status' | 'start_time' | 'end_time' | 'severity' | 'summary' | 'scanner'> & {
  report?: Record<string, unknown> | null;
  /** an SBOM row's `report.sbom_digest` (Harbor's key for the SBOM accessory's digest) */
  sbom_digest?: string | null;
};

const seconds = (start: Date | null, end: Date | null): number => (start && end ? Math.max(0, Math.floor(end.getTime() / 1000) - Math.floor(start.getTime() / 1000)) : 0);

/**
 * One artifact's overview. The last good report (severity, summary, scanner) stays in force
 * while a rescan runs or after it failed; `scan_status` tells the run. `complete_percent` is
 * 100 once a run ended with a report (Success, or Stopped with a report, as Harbor counts it).
 */
export function toScanOverview(row: OverviewRow): ScanOverview {
  const hasReport = row.severity !== null && row.severity !== undefined;
  const overview: ScanOverview = {
    report_id: row.uuid,
    scan_status: row.scan_status,
    ...(hasReport ? { severity: row.severity as ScanSeverity } : {}),
    duration: seconds(row.start_time, row.end_time),
    ...(hasReport && row.summary ? { summary: row.summary } : {}),
    ...(row.start_time ? { start_time: row.start_time.toISOString() } : {}),
    ...(row.end_time ? { end_time: row.end_time.toISOString() } : {}),
    complete_percent: hasReport && (row.scan_status === 'Success' || row.scan_status === 'Stopped') ? 100 : 0,
    ...(row.scanner ? { scanner: row.scanner } : {}),
  };
  return overview;
}

/** Harbor's MergeScanStatus: Running wins, then Success (an index is scanned once one child is), else the later state. */
export function mergeScanStatus(a: ScanStatus, b: ScanStatus): ScanStatus {
  if (a === 'Running' || b === 'Running') return 'Running';
  if (a === 'Success' || b === 'Success') return 'Success';
  const order: ScanStatus[] = ['Pending', 'Stopped', 'Error'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

const severityCode = (s: ScanSeverity | undefined): number => (s === undefined ? -1 : SEVERITIES.indexOf(s));

/** One vulnerability as reports list them (both report versions carry these keys). */
interface VulnerabilityItem {
  id?: string;
  package?: string;
  version?: string;
  fix_version?: string;
  severity?: string;
  [key: string]: unknown;
}

const itemKey = (v: VulnerabilityItem) => `${v.id ?? ''}\u0000${v.package ?? ''}\u0000${v.version ?? ''}`;
const asSeverity = (value: unknown): ScanSeverity => {
  if (value === 'Negligible') return 'Low';
  return (SEVERITIES as readonly string[]).includes(value as string) ? (value as ScanSeverity) : 'Unknown';
};

/** The vulnerabilities of several reports, one entry per (id, package, version), as Harbor's VulnerabilityItemList. */
export function mergedVulnerabilities(reports: Array<Record<string, unknown>>): VulnerabilityItem[] {
  const seen = new Map<string, VulnerabilityItem>();
  for (const report of reports) {
    const list = Array.isArray(report.vulnerabilities) ? (report.vulnerabilities as VulnerabilityItem[]) : [];
    for (const item of list) if (!seen.has(itemKey(item))) seen.set(itemKey(item), item);
  }
  return [...seen.values()];
}

/** Severity and summary of a vulnerability list (Harbor's GetSeveritySummary). */
export function summarize(items: VulnerabilityItem[]): { severity: ScanSeverity; summary: VulnerabilitySummary } {
  let severity: ScanSeverity = 'None';
  const counts: VulnerabilitySummary['summary'] = {};
  let fixable = 0;
  for (const item of items) {
    const s = asSeverity(item.severity);
    if (s !== 'None') counts[s] = (counts[s] ?? 0) + 1;
    if (severityCode(s) > severityCode(severity)) severity = s;
    if (item.fix_version) fixable += 1;
  }
  return { severity, summary: { total: items.length, fixable, summary: counts } };
}

/**
 * An index's overview from its children's rows (one per child, all of one mime type), as
 * Harbor merges NativeReportSummary: earliest start, latest end, merged status, the report ids
 * joined by `|` and base64-encoded, the scanner of the newest run, complete_percent over the
 * children; severity and summary from the children's vulnerabilities merged (each counted once),
 * or, when a child row carries no report, the children's summaries added up.
 */
export function mergeScanOverviews(children: OverviewRow[]): ScanOverview {
  if (children.length === 1) return toScanOverview(children[0]);
  const parts = children.map((row) => ({ row, overview: toScanOverview(row) }));
  const starts = children.map((r) => r.start_time).filter((t): t is Date => t !== null);
  const ends = children.map((r) => r.end_time).filter((t): t is Date => t !== null);
  const start = starts.length ? new Date(Math.min(...starts.map((t) => t.getTime()))) : null;
  const end = ends.length ? new Date(Math.max(...ends.map((t) => t.getTime()))) : null;
  const status = parts.map((p) => p.overview.scan_status).reduce(mergeScanStatus);
  const newest = [...parts].sort((a, b) => (b.row.start_time?.getTime() ?? 0) - (a.row.start_time?.getTime() ?? 0))[0];
  const complete = parts.filter((p) => p.overview.complete_percent === 100).length;
  const withReport = parts.filter((p) => p.overview.severity !== undefined);
  let severity: ScanSeverity | undefined;
  let summary: VulnerabilitySummary | undefined;
  if (withReport.length > 0) {
    if (withReport.every((p) => p.row.report)) {
      ({ severity, summary } = summarize(mergedVulnerabilities(withReport.map((p) => p.row.report as Record<string, unknown>))));
    } else {
      severity = withReport.map((p) => p.overview.severity as ScanSeverity).reduce((a, b) => (severityCode(a) >= severityCode(b) ? a : b));
      summary = withReport
        .map((p) => p.overview.summary ?? { total: 0, fixable: 0, summary: {} })
        .reduce((a, b) => {
          const counts = { ...a.summary };
          for (const [k, n] of Object.entries(b.summary) as Array<[keyof VulnerabilitySummary['summary'], number]>) counts[k] = (counts[k] ?? 0) + n;
          return { total: a.total + b.total, fixable: a.fixable + b.fixable, summary: counts };
        });
    }
  }
  return {
    report_id: Buffer.from(children.map((r) => r.uuid).join('|')).toString('base64'),
    scan_status: status,
    ...(severity !== undefined ? { severity } : {}),
    duration: seconds(start, end),
    ...(summary ? { summary } : {}),
    ...(start ? { start_time: start.toISOString() } : {}),
    ...(end ? { end_time: end.toISOString() } : {}),
    complete_percent: Math.floor((complete * 100) / children.length),
    ...(newest.row.scanner ? { scanner: newest.row.scanner } : {}),
  };
}

/** The vulnerability report of an index: its children's reports merged (Harbor's Reports.ResolveData). */
export function mergeReports(reports: Array<Record<string, unknown>>): Record<string, unknown> {
  if (reports.length === 1) return reports[0];
  const vulnerabilities = mergedVulnerabilities(reports);
  const generated = reports.map((r) => (typeof r.generated_at === 'string' ? r.generated_at : '')).sort();
  return {
    ...reports[0],
    generated_at: generated[generated.length - 1],
    severity: summarize(vulnerabilities).severity,
    vulnerabilities,
  };
}

/** Harbor's `sbom_overview`. */
export interface SbomOverview {
  report_id: string;
  scan_status: ScanStatus;
  sbom_digest?: string;
  duration: number;
  start_time?: string;
  end_time?: string;
  scanner?: { name: string; vendor: string; version: string };
}

/**
 * The SBOM overview of an SBOM report row. `sbom_digest` is the digest of the SBOM accessory:
 * the row's report names it (`sbom_digest`, Harbor's key); failing that, the subject's newest
 * SBOM accessory (`fallbackDigest`).
 */
export function toSbomOverview(row: OverviewRow, fallbackDigest: string | undefined): SbomOverview {
  const named = row.sbom_digest ?? (typeof row.report?.sbom_digest === 'string' ? row.report.sbom_digest : undefined);
  const digest = named ?? (row.scan_status === 'Success' ? fallbackDigest : undefined);
  return {
    report_id: row.uuid,
    scan_status: row.scan_status,
    ...(digest ? { sbom_digest: digest } : {}),
    duration: seconds(row.start_time, row.end_time),
    ...(row.start_time ? { start_time: row.start_time.toISOString() } : {}),
    ...(row.end_time ? { end_time: row.end_time.toISOString() } : {}),
    ...(row.scanner ? { scanner: row.scanner } : {}),
  };
}
