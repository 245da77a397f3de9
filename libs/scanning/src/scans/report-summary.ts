import { SEVERITIES, type ScanSeverity, type VulnerabilitySummary } from '../scan-report';

/** A vulnerability of an adapter's report (v1.0 and v1.1 share these fields). */
interface ReportedVulnerability {
  id?: string;
  severity?: string;
  fix_version?: string;
}

/**
 * Harbor's severity of an adapter's word for it: its seven levels folded onto the six of the
 * contract (`Negligible` counts as Low); anything else is Unknown.
 */
export function severityOf(word: unknown): Exclude<ScanSeverity, 'None'> {
  switch (typeof word === 'string' ? word.toLowerCase() : '') {
    case 'critical':
      return 'Critical';
    case 'high':
      return 'High';
    case 'medium':
      return 'Medium';
    case 'low':
    case 'negligible':
      return 'Low';
    default:
      return 'Unknown';
  }
}

const rank = (s: ScanSeverity) => SEVERITIES.indexOf(s);

/**
 * The overall severity (the highest of its vulnerabilities; None when it has none) and the
 * summary {total, fixable, summary{Critical: n, ...}} of a vulnerability report.
 */
export function summariseReport(report: unknown): { severity: ScanSeverity; summary: VulnerabilitySummary } {
  const vulnerabilities = Array.isArray((report as { vulnerabilities?: unknown })?.vulnerabilities)
    ? ((report as { vulnerabilities: ReportedVulnerability[] }).vulnerabilities)
    : [];
  let severity: ScanSeverity = 'None';
  const summary: VulnerabilitySummary = { total: 0, fixable: 0, summary: {} };
  for (const v of vulnerabilities) {
    const level = severityOf(v?.severity);
    summary.total += 1;
    if (typeof v?.fix_version === 'string' && v.fix_version.trim() !== '') summary.fixable += 1;
    summary.summary[level] = (summary.summary[level] ?? 0) + 1;
    if (rank(level) > rank(severity)) severity = level;
  }
  return { severity, summary };
}
