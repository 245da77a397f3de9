/**
 * The contract between the three parts of vulnerability scanning: scans (registrations' adapters,
 * scan jobs, writing `scan_report` rows), reports (overviews on artifact lists, the
 * vulnerabilities addition, SBOM accessories) and policies (prevent_vul, CVE allowlists, cosign
 * enforcement, scan before serve). Only the scan side writes `scan_report`; the others read it.
 */

/** Harbor's severities, lowest first; `None` is a successful scan that found nothing. */
export const SEVERITIES = ['None', 'Unknown', 'Low', 'Medium', 'High', 'Critical'] as const;
export type ScanSeverity = (typeof SEVERITIES)[number];

/** The report mime types Wharf asks adapters for. */
export const VULNERABILITY_REPORT_V11 = 'application/vnd.security.vulnerability.report; version=1.1';
export const HARBOR_VULNERABILITY_REPORT_V10 = 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0';
export const SBOM_REPORT = 'application/vnd.security.sbom.report+json; version=1.0';
/** the artifact type of an SBOM stored as an accessory of its subject (Harbor's) */
export const HARBOR_SBOM_ARTIFACT_TYPE = 'application/vnd.goharbor.harbor.sbom.v1';

export type ScanStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';

/** `summary` of a vulnerability report row and of Harbor's scan overview. */
export interface VulnerabilitySummary {
  total: number;
  fixable: number;
  /** counts per severity, only those present ({"Critical": 1, "High": 3}) */
  summary: Partial<Record<Exclude<ScanSeverity, 'None'>, number>>;
}

/** One `scan_report` row as the readers see it. */
export interface ScanReportRow {
  id: number;
  uuid: string;
  digest: string;
  registration_uuid: string;
  mime_type: string;
  scan_status: ScanStatus;
  status_message: string;
  execution_id: number | null;
  task_id: number | null;
  start_time: Date | null;
  end_time: Date | null;
  /** the last successful report (the adapter's JSON), in force while a rescan runs */
  report: Record<string, unknown> | null;
  severity: ScanSeverity | null;
  summary: VulnerabilitySummary | null;
  scanner: { name: string; vendor: string; version: string } | null;
  database_updated_at: Date | null;
  report_time: Date | null;
}

/** Harbor's `scan_overview` entry (keyed by mime type in artifact answers). */
export interface ScanOverview {
  report_id: string;
  scan_status: ScanStatus;
  severity?: ScanSeverity;
  duration?: number;
  summary?: VulnerabilitySummary;
  start_time?: string;
  end_time?: string;
  complete_percent: number;
  scanner?: { name: string; vendor: string; version: string };
}
