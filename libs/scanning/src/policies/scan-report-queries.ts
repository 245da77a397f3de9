import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { HARBOR_VULNERABILITY_REPORT_V10, VULNERABILITY_REPORT_V11, type ScanReportRow } from '../scan-report';

/** Harbor's severity codes (CONTRACTS.md section 4), by lower-case name. */
export const SEVERITY_CODE: Record<string, number> = { none: 0, unknown: 0, negligible: 1, low: 2, medium: 3, high: 4, critical: 5 };

/**
 * What the policy side reads of `scan_report` (the scan side writes it): the vulnerability
 * report in force per digest, from the enabled registrations (the default one first), a
 * successful report before a row that only has a run in progress.
 */
@Injectable()
export class ScanReportQueries {
  constructor(private readonly sql: SqlClient) {}

  /** Is any scanner registration enabled? Without one nothing can be scanned, so nothing is refused as "not scanned". */
  async scannerConfigured(db: SqlExecutor = this.sql): Promise<boolean> {
    const rows = await db.query(`SELECT 1 FROM scanner_registration WHERE NOT disabled LIMIT 1`);
    return rows.length > 0;
  }

  /** The vulnerability report row in force for each digest that has one. */
  async vulnerabilityReports(digests: string[], db: SqlExecutor = this.sql): Promise<Map<string, ScanReportRow>> {
    if (digests.length === 0) return new Map();
    const rows = await db.query<ScanReportRow>(
      `SELECT DISTINCT ON (sr.digest) sr.*
         FROM scan_report sr JOIN scanner_registration r ON r.uuid = sr.registration_uuid::text AND NOT r.disabled
        WHERE sr.digest = ANY($1::text[]) AND sr.mime_type = ANY($2::text[])
        ORDER BY sr.digest, r.is_default DESC, (sr.report IS NOT NULL) DESC, sr.report_time DESC NULLS LAST, sr.id DESC`,
      [digests, [VULNERABILITY_REPORT_V11, HARBOR_VULNERABILITY_REPORT_V10]],
    );
    return new Map(rows.map((row) => [row.digest, row]));
  }
}

export interface ReportVulnerability {
  id: string;
  package?: string;
  severity: string;
}

/** The vulnerabilities of a stored report (the adapter's JSON), tolerant of a report without any. */
export function vulnerabilitiesOf(report: Record<string, unknown> | null): ReportVulnerability[] {
  const list = report?.vulnerabilities;
  if (!Array.isArray(list)) return [];
  return list.filter((v): v is ReportVulnerability => typeof v === 'object' && v !== null && typeof (v as ReportVulnerability).id === 'string');
}

/** The severity code of a report's vulnerability (unknown names count as Unknown, 0). */
export function severityCode(severity: unknown): number {
  return typeof severity === 'string' ? (SEVERITY_CODE[severity.toLowerCase()] ?? 0) : 0;
}
