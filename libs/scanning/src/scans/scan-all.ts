import { Injectable, Logger } from '@nestjs/common';
import { AuditTrail, type AuditActor } from '@wharf/audit';
import { SqlClient } from '@wharf/db';
import { ConflictError } from '@wharf/errors';
import { ExecutionService, JobName, JobQueues, ScheduleService, taskJobId, type ExecutionRecord, type Schedule, type ScheduleType } from '@wharf/jobs';
import { ScannerRegistrations, type ScannerRegistration } from '@wharf/scanners';
import { fetchAdapterMetadata } from '../adapter/adapter-client';
import { VULNERABILITY_REPORT_V11 } from '../scan-report';
import { SCAN_ALL_VENDOR, ScanLauncher, type ScanTarget } from './scan-launcher';
import { ScanReportStore } from './scan-report-store';

const DATABASE_UPDATED_AT = 'harbor.scanner-adapter/vulnerability-database-updated-at';
const PAGE = 500;

/**
 * Scan all: Harbor's /system/scanAll. One execution (vendor SCAN_ALL) holds a task per image
 * manifest of every project that has a scanner; an artifact whose digest already has a current
 * report (same registration, same scanner version, same vulnerability database) is skipped. The
 * schedule is kept by ScheduleService (as GC's), its ticks are ScanAll jobs; a manual run creates
 * its execution at once (409 while one runs) and the worker fills it.
 */
@Injectable()
export class ScanAll {
  private readonly logger = new Logger(ScanAll.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly executions: ExecutionService,
    private readonly queues: JobQueues,
    private readonly schedules: ScheduleService,
    private readonly launcher: ScanLauncher,
    private readonly registrations: ScannerRegistrations,
    private readonly reports: ScanReportStore,
  ) {}

  async schedule(): Promise<Schedule | null> {
    return this.schedules.get(SCAN_ALL_VENDOR);
  }

  async setSchedule(type: ScheduleType, cron: string | undefined, actor?: AuditActor): Promise<void> {
    await this.schedules.set(SCAN_ALL_VENDOR, { type, cron, parameters: {} }, JobName.ScanAll, {}, (tx, change) =>
      actor ? AuditTrail.write(tx, actor, { projectId: null, operation: change.created ? 'create' : 'update', resourceType: 'schedule', resource: 'scan all' }) : Promise.resolve(),
    );
  }

  async removeSchedule(actor?: AuditActor): Promise<boolean> {
    return this.schedules.remove(SCAN_ALL_VENDOR, null, (tx) =>
      actor ? AuditTrail.write(tx, actor, { projectId: null, operation: 'delete', resourceType: 'schedule', resource: 'scan all' }) : Promise.resolve(),
    );
  }

  /** Starts a run now (MANUAL) or for a tick (SCHEDULE); 409 while one is running. */
  async start(trigger: 'MANUAL' | 'SCHEDULE'): Promise<number> {
    const executionId = await this.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [7_305_212_002]);
      const [running] = await tx.query<{ id: number }>(`SELECT id FROM execution WHERE vendor_type = $1 AND status = 'Running' LIMIT 1`, [SCAN_ALL_VENDOR]);
      if (running) throw new ConflictError('a scan of all artifacts is running already');
      return (await this.executions.create({ vendorType: SCAN_ALL_VENDOR, vendorId: 0, trigger, tasks: [], open: true }, tx)).executionId;
    });
    const jobId = taskJobId('scan-all', executionId);
    await this.queues.enqueue({ name: JobName.ScanAll, data: { executionId } }, { jobId, attempts: 1 });
    await this.executions.attachExecutionJob(executionId, JobName.ScanAll, jobId);
    return executionId;
  }

  /** The worker's side: a tick starts its own execution; then every image gets a task unless its report is current. */
  async run(data: { executionId?: number }): Promise<{ tasks: number; skipped: number }> {
    let executionId = data.executionId;
    if (executionId === undefined) {
      try {
        executionId = (await this.start('SCHEDULE'));
      } catch (error) {
        this.logger.warn(`scheduled scan all skipped: ${(error as Error).message}`);
      }
      // start() queued the run of that execution
      return { tasks: 0, skipped: 0 };
    }
    const versions = new Map<string, { version: string; updatedAt: Date | null } | null>();
    const currentOf = async (registration: ScannerRegistration) => {
      if (!versions.has(registration.uuid)) {
        try {
          const metadata = await fetchAdapterMetadata({
            url: registration.url,
            auth: registration.auth,
            credential: await this.registrations.accessCredential(registration.uuid),
            skipCertVerify: registration.skipCertVerify,
          });
          const at = metadata.properties[DATABASE_UPDATED_AT] ? new Date(metadata.properties[DATABASE_UPDATED_AT]) : null;
          versions.set(registration.uuid, { version: metadata.scanner.version, updatedAt: at && !Number.isNaN(at.getTime()) ? at : null });
        } catch {
          versions.set(registration.uuid, null);
        }
      }
      return versions.get(registration.uuid) ?? null;
    };
    const registrationOf = new Map<number, ScannerRegistration | null>();
    const taskIds: number[] = [];
    let skipped = 0;
    try {
      for (let afterId = 0; ; ) {
        if (await this.executions.stopRequested(executionId)) break;
        const rows = await this.sql.query<{ id: string; project_id: number; project_name: string; repository: string; digest: string; media_type: string; config_media_type: string | null; artifact_type: string | null }>(
          `SELECT a.id, a.project_id, p.name AS project_name, a.repository_name AS repository, a.digest, a.media_type, a.config_media_type, a.artifact_type
             FROM artifact a JOIN project p ON p.project_id = a.project_id
            WHERE a.id > $1 AND NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id)
            ORDER BY a.id LIMIT ${PAGE}`,
          [afterId],
        );
        if (rows.length === 0) break;
        afterId = Number(rows[rows.length - 1].id);
        const targets: ScanTarget[] = [];
        for (const row of rows) {
          if (!registrationOf.has(row.project_id)) registrationOf.set(row.project_id, await this.registrations.forProject(row.project_id));
          const registration = registrationOf.get(row.project_id);
          if (!registration) continue;
          const target: ScanTarget = {
            projectId: row.project_id, projectName: row.project_name, repository: row.repository, artifactId: Number(row.id),
            digest: row.digest, mediaType: row.media_type, configMediaType: row.config_media_type, artifactType: row.artifact_type,
          };
          const current = await currentOf(registration);
          for (const image of await this.launcher.imagesOf(this.sql, target)) {
            if (current && (await this.reports.current(image.digest, registration.uuid, VULNERABILITY_REPORT_V11, current.version, current.updatedAt))) {
              skipped += 1;
              continue;
            }
            targets.push(image);
          }
        }
        if (targets.length === 0) continue;
        const launched = await this.launcher.launch(targets, { type: 'vulnerability', trigger: 'SCHEDULE', executionId });
        taskIds.push(...launched.taskIds);
      }
    } catch (error) {
      await this.executions.end(executionId, 'Error', `scan all failed: ${(error as Error).message}`);
      throw error;
    }
    if (taskIds.length === 0) await this.executions.end(executionId, 'Success', skipped ? `every artifact's report is current (${skipped} skipped)` : 'nothing to scan');
    else await this.executions.refresh(executionId);
    await this.sql.query(`UPDATE execution SET extra_attrs = extra_attrs || $2::jsonb WHERE id = $1`, [executionId, JSON.stringify({ skipped })]);
    await this.launcher.enqueue(executionId, taskIds);
    return { tasks: taskIds.length, skipped };
  }

  async stop(): Promise<boolean> {
    const [running] = await this.sql.query<{ id: number }>(`SELECT id FROM execution WHERE vendor_type = $1 AND status = 'Running' ORDER BY id DESC LIMIT 1`, [SCAN_ALL_VENDOR]);
    if (!running) return false;
    await this.executions.requestStop(running.id);
    await this.sql.query(`UPDATE scan_report SET scan_status = 'Stopped', end_time = now() WHERE execution_id = $1 AND scan_status = 'Pending'`, [running.id]);
    return true;
  }

  /** The latest run, manual or scheduled (null when none). */
  async latest(trigger?: 'MANUAL' | 'SCHEDULE'): Promise<ExecutionRecord | null> {
    const { items } = await this.executions.list(SCAN_ALL_VENDOR, { offset: 0, limit: 1 }, trigger ? { trigger } : {});
    return items[0] ?? null;
  }
}
