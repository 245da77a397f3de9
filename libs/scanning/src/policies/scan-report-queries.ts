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

  /** See highestSeverities. */
  async highestSeverities(artifactIds: number[], db: SqlExecutor = this.sql): Promise<Map<number, number | undefined>> {
    return highestSeverities(db, artifactIds);
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

/**
 * The highest severity code of each artifact's report in force (an index: the highest of its
 * children's), or undefined when the artifact (or one of its children) has no successful report.
 * What preheat's vulnerability filter reads; like Harbor's enforcer it takes the report's
 * severity as it stands (no CVE allowlist).
 */
export async function highestSeverities(db: SqlExecutor, artifactIds: number[]): Promise<Map<number, number | undefined>> {
  const result = new Map<number, number | undefined>(artifactIds.map((id) => [id, undefined]));
  if (artifactIds.length === 0) return result;
  const rows = await db.query<{ artifact_id: number; severities: (string | null)[] }>(
    `WITH targets AS (
       SELECT a.id AS artifact_id, COALESCE(c.digest, a.digest) AS digest
         FROM artifact a LEFT JOIN artifact_reference r ON r.parent_id = a.id LEFT JOIN artifact c ON c.id = r.child_id
        WHERE a.id = ANY($1::bigint[]))
     SELECT t.artifact_id, array_agg(best.severity) AS severities
       FROM targets t LEFT JOIN LATERAL (
         SELECT sr.severity FROM scan_report sr JOIN scanner_registration g ON g.uuid = sr.registration_uuid::text AND NOT g.disabled
          WHERE sr.digest = t.digest AND sr.mime_type = ANY($2::text[]) AND sr.report IS NOT NULL AND sr.severity IS NOT NULL
          ORDER BY g.is_default DESC, sr.report_time DESC NULLS LAST, sr.id DESC LIMIT 1) best ON true
      GROUP BY t.artifact_id`,
    [artifactIds, [VULNERABILITY_REPORT_V11, HARBOR_VULNERABILITY_REPORT_V10]],
  );
  for (const row of rows) {
    if (row.severities.some((s) => s === null)) continue;
    result.set(Number(row.artifact_id), Math.max(...row.severities.map(severityCode)));
  }
  return result;
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
