import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import type { ScanSeverity, VulnerabilitySummary } from '../scan-report';

/**
 * The only writer of `scan_report`: one row per digest, registration and report mime type,
 * upserted when a scan is queued (Pending, with its execution and task), moved to Running, and
 * ended. `report`, `severity` and `summary` change only on a success: the last good report stays
 * in force while a rescan runs or after it fails.
 */
@Injectable()
export class ScanReportStore {
  constructor(private readonly sql: SqlClient) {}

  /** A scan queued for the digest: the row's run becomes this one; its report uuid. */
  async queued(db: SqlExecutor, row: { digest: string; registrationUuid: string; mimeType: string; executionId: number; taskId: number }): Promise<string> {
    const [saved] = await db.query<{ uuid: string }>(
      `INSERT INTO scan_report (digest, registration_uuid, mime_type, scan_status, status_message, execution_id, task_id, start_time, end_time)
       VALUES ($1, $2, $3, 'Pending', '', $4, $5, NULL, NULL)
       ON CONFLICT (digest, registration_uuid, mime_type) DO UPDATE
         SET scan_status = 'Pending', status_message = '', execution_id = EXCLUDED.execution_id, task_id = EXCLUDED.task_id, start_time = NULL, end_time = NULL
       RETURNING uuid`,
      [row.digest, row.registrationUuid, row.mimeType, row.executionId, row.taskId],
    );
    return saved.uuid;
  }

  /** The task started (only while the row's run is still this task's). */
  async running(taskId: number): Promise<void> {
    await this.sql.query(`UPDATE scan_report SET scan_status = 'Running', start_time = now() WHERE task_id = $1 AND scan_status IN ('Pending', 'Running')`, [taskId]);
  }

  async succeeded(
    taskId: number,
    result: { report: unknown; severity: ScanSeverity | null; summary: VulnerabilitySummary | null; scanner: { name: string; vendor: string; version: string }; databaseUpdatedAt: Date | null },
  ): Promise<void> {
    await this.sql.query(
      `UPDATE scan_report SET scan_status = 'Success', status_message = '', end_time = now(), report = $2, severity = $3, summary = $4,
              scanner = $5, database_updated_at = $6, report_time = now()
        WHERE task_id = $1`,
      [taskId, JSON.stringify(result.report), result.severity, result.summary === null ? null : JSON.stringify(result.summary), JSON.stringify(result.scanner), result.databaseUpdatedAt],
    );
  }

  /** Error or Stopped: the previous report, if any, stays. */
  async ended(taskId: number, status: 'Error' | 'Stopped', message: string): Promise<void> {
    await this.sql.query(`UPDATE scan_report SET scan_status = $2, status_message = $3, end_time = now() WHERE task_id = $1 AND scan_status IN ('Pending', 'Running')`, [
      taskId,
      status,
      message.slice(0, 2000),
    ]);
  }

  async uuidOfTask(taskId: number): Promise<string | null> {
    const [row] = await this.sql.query<{ uuid: string }>(`SELECT uuid FROM scan_report WHERE task_id = $1`, [taskId]);
    return row?.uuid ?? null;
  }

  /** The task of a report (for its log), when the report's last run is known. */
  async taskOfReport(reportUuid: string): Promise<{ taskId: number | null; digest: string } | null> {
    const [row] = await this.sql.query<{ task_id: string | null; digest: string }>(`SELECT task_id, digest FROM scan_report WHERE uuid::text = $1`, [reportUuid]);
    return row ? { taskId: row.task_id === null ? null : Number(row.task_id), digest: row.digest } : null;
  }

  /** Whether the digest has a successful report of this registration made against this database version (scan all skips it). */
  async current(digest: string, registrationUuid: string, mimeType: string, scannerVersion: string, databaseUpdatedAt: Date | null): Promise<boolean> {
    const [row] = await this.sql.query<{ ok: boolean }>(
      `SELECT (report IS NOT NULL AND scanner->>'version' = $4 AND database_updated_at IS NOT DISTINCT FROM $5) AS ok
         FROM scan_report WHERE digest = $1 AND registration_uuid = $2 AND mime_type = $3`,
      [digest, registrationUuid, mimeType, scannerVersion, databaseUpdatedAt],
    );
    return Boolean(row?.ok);
  }
}
