import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import type { ScanPlan, ScanRequest } from '../api/scan-request';
import type { SbomMediaType } from '../api/mime-types';
import type { SbomReport, VulnerabilityReport } from '../reports/report-types';

export type ScanStatus = 'queued' | 'running' | 'finished' | 'failed';

/** What the scanner keeps of a request: everything but the registry authorization (only the queued job holds it). */
export interface StoredRequest {
  registry: { url: string };
  artifact: ScanRequest['artifact'];
  enabled_capabilities?: ScanRequest['enabled_capabilities'];
  plan: ScanPlan;
}

export interface Scan {
  id: string;
  request: StoredRequest;
  status: ScanStatus;
  vulnerabilityReport: VulnerabilityReport | null;
  sbomReports: Partial<Record<SbomMediaType, SbomReport>> | null;
  error: string | null;
}

interface ScanRow {
  id: string;
  request: StoredRequest;
  status: ScanStatus;
  vulnerability_report: VulnerabilityReport | null;
  sbom_reports: Partial<Record<SbomMediaType, SbomReport>> | null;
  error: string | null;
}

const toScan = (row: ScanRow): Scan => ({
  id: row.id,
  request: row.request,
  status: row.status,
  vulnerabilityReport: row.vulnerability_report,
  sbomReports: row.sbom_reports,
  error: row.error,
});

/** The only writer of `scanner_scan`: a scan's life from queued to finished or failed, and its expiry. */
@Injectable()
export class ScanRepository {
  constructor(private readonly sql: SqlClient) {}

  async create(id: string, request: StoredRequest): Promise<void> {
    await this.sql.query(`INSERT INTO scanner_scan (id, request) VALUES ($1, $2)`, [id, JSON.stringify(request)]);
  }

  async remove(id: string): Promise<void> {
    await this.sql.query(`DELETE FROM scanner_scan WHERE id = $1`, [id]);
  }

  async find(id: string): Promise<Scan | null> {
    const [row] = await this.sql.query<ScanRow>(`SELECT id, request, status, vulnerability_report, sbom_reports, error FROM scanner_scan WHERE id = $1`, [id]);
    return row ? toScan(row) : null;
  }

  /** Marks the scan running (again, after a replica died mid-scan); null when it is over or gone. */
  async start(id: string): Promise<StoredRequest | null> {
    const [row] = await this.sql.query<{ request: StoredRequest }>(
      `UPDATE scanner_scan SET status = 'running', start_time = now(), update_time = now()
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING request`,
      [id],
    );
    return row?.request ?? null;
  }

  /** A running scan says it is alive (the timeout sweep spares it). */
  async touch(id: string): Promise<void> {
    await this.sql.query(`UPDATE scanner_scan SET update_time = now() WHERE id = $1 AND status = 'running'`, [id]);
  }

  async finish(id: string, vulnerabilityReport: VulnerabilityReport | null, sbomReports: Partial<Record<SbomMediaType, SbomReport>> | null): Promise<void> {
    await this.sql.query(
      `UPDATE scanner_scan SET status = 'finished', vulnerability_report = $2, sbom_reports = $3, error = NULL, end_time = now(), update_time = now()
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, vulnerabilityReport && JSON.stringify(vulnerabilityReport), sbomReports && JSON.stringify(sbomReports)],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await this.sql.query(
      `UPDATE scanner_scan SET status = 'failed', error = $2, end_time = now(), update_time = now() WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, error.slice(0, 4000)],
    );
  }

  /** Removes scans older than the retention, and fails open ones nobody has worked on for `timeoutMinutes`. */
  async expire(retentionHours: number, timeoutMinutes: number): Promise<{ removed: number; timedOut: number }> {
    const removed = await this.sql.query(`DELETE FROM scanner_scan WHERE create_time < now() - make_interval(hours => $1) RETURNING id`, [retentionHours]);
    const timedOut = await this.sql.query(
      `UPDATE scanner_scan SET status = 'failed', error = $2, end_time = now(), update_time = now()
        WHERE status IN ('queued', 'running') AND update_time < now() - make_interval(mins => $1) RETURNING id`,
      [timeoutMinutes, `the scan did not finish within ${timeoutMinutes} minutes (its job was lost or its scanner stopped); ask for a new scan`],
    );
    return { removed: removed.length, timedOut: timedOut.length };
  }
}
