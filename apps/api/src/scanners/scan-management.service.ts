import { Injectable } from '@nestjs/common';
import { ArtifactQueries, RepositoryService } from '@wharf/artifacts';
import type { Principal } from '@wharf/iam';
import { ExecutionService, InvalidCronError, type ExecutionRecord } from '@wharf/jobs';
import { ScanAll, ScanLauncher, ScanReportStore, reportMimeOf, type ScanType } from '@wharf/scanning';
import { SqlClient } from '@wharf/db';
import { ApiError } from '../management/api-error';
import { auditActorOf } from '../management/audit-actor';
import type { Actor } from '../management/current-actor.decorator';
import { ProjectAuthorizer, requireSysadmin } from '../management/project-authorizer';
import { fullRepositoryName } from '../repositories/repository-path';
import type { ArtifactPath } from '../artifacts/artifact-management.service';
import type { ScanAllMetricsResponse, ScanAllScheduleRequest } from './scan.dto';

/**
 * Scans of artifacts (Harbor's scan:create, scan:stop, scan:read in the project) and scan all
 * (system administrators). The scans run in the worker (ScanTaskRunner); here they are launched,
 * stopped and their logs read.
 */
@Injectable()
export class ScanManagementService {
  constructor(
    private readonly sql: SqlClient,
    private readonly authorizer: ProjectAuthorizer,
    private readonly repositories: RepositoryService,
    private readonly artifacts: ArtifactQueries,
    private readonly launcher: ScanLauncher,
    private readonly reports: ScanReportStore,
    private readonly executions: ExecutionService,
    private readonly scanAll: ScanAll,
  ) {}

  /** 202: an execution with a task per image (an index: its children). */
  async scan(principal: Principal, path: ArtifactPath, reference: string, type: ScanType): Promise<void> {
    const { project } = await this.authorizer.require(principal, path.project, 'scan:create', true);
    const repository = await this.repositories.get(project.project_id, fullRepositoryName(project.name, path.repository));
    const artifact = await this.artifacts.get(repository.id, reference);
    const launched = await this.launcher.launch(
      [
        {
          projectId: project.project_id,
          projectName: project.name,
          repository: repository.name,
          artifactId: artifact.id,
          digest: artifact.digest,
          mediaType: artifact.manifest_media_type,
          configMediaType: artifact.config_media_type,
          artifactType: artifact.artifact_type,
          tag: /^sha\d+:/.test(reference) ? undefined : reference,
        },
      ],
      { type, trigger: 'MANUAL', refuseEmpty: true },
    );
    await launched.enqueue();
  }

  /** Stops the running scans of the artifact (its images); 202 even when none runs, as Harbor. */
  async stop(principal: Principal, path: ArtifactPath, reference: string, type: ScanType): Promise<void> {
    const { project } = await this.authorizer.require(principal, path.project, 'scan:stop', true);
    const repository = await this.repositories.get(project.project_id, fullRepositoryName(project.name, path.repository));
    const artifact = await this.artifacts.get(repository.id, reference);
    const rows = await this.sql.query<{ execution_id: string }>(
      `SELECT DISTINCT s.execution_id FROM scan_report s
        WHERE s.mime_type = $2 AND s.scan_status IN ('Pending', 'Running') AND s.execution_id IS NOT NULL
          AND (s.digest = $1 OR s.digest IN (SELECT r.child_digest FROM artifact_reference r WHERE r.parent_id = $3))`,
      [artifact.digest, reportMimeOf(type), artifact.id],
    );
    if (rows.length === 0) throw new ApiError('BAD_REQUEST', `no ${type} scan of ${reference} is running`);
    for (const row of rows) {
      await this.executions.requestStop(Number(row.execution_id));
      await this.sql.query(`UPDATE scan_report SET scan_status = 'Stopped', end_time = now() WHERE execution_id = $1 AND scan_status = 'Pending'`, [row.execution_id]);
    }
  }

  /** The log of the last run of a report (text). */
  async log(principal: Principal, path: ArtifactPath, reference: string, reportId: string): Promise<string> {
    const { project } = await this.authorizer.require(principal, path.project, 'scan:read', true);
    const repository = await this.repositories.get(project.project_id, fullRepositoryName(project.name, path.repository));
    const artifact = await this.artifacts.get(repository.id, reference);
    const found = /^[0-9a-f-]{36}$/.test(reportId) ? await this.reports.taskOfReport(reportId) : null;
    const [child] = found ? await this.sql.query(`SELECT 1 FROM artifact_reference WHERE parent_id = $1 AND child_digest = $2`, [artifact.id, found.digest]) : [];
    if (!found || (found.digest !== artifact.digest && !child) || found.taskId === null) throw new ApiError('NOT_FOUND', `report ${reportId} not found`);
    return this.executions.readLog(found.taskId);
  }

  async getSchedule(principal: Principal): Promise<Record<string, unknown>> {
    requireSysadmin(principal);
    const schedule = await this.scanAll.schedule();
    if (!schedule) return { schedule: { type: 'None', cron: '' } };
    return {
      id: schedule.id,
      schedule: { type: schedule.type, cron: schedule.cron, next_scheduled_time: schedule.nextScheduledTime },
      creation_time: schedule.creationTime,
      update_time: schedule.updateTime,
    };
  }

  async applySchedule(actor: Actor, request: ScanAllScheduleRequest): Promise<{ executionId?: number }> {
    requireSysadmin(actor.principal);
    const { type, cron } = request.schedule;
    if (type === 'Manual') return { executionId: await this.scanAll.start('MANUAL') };
    if (type === 'None') {
      await this.scanAll.removeSchedule(auditActorOf(actor));
      return {};
    }
    if (type === 'Custom' && !cron?.trim()) throw new ApiError('BAD_REQUEST', 'a Custom schedule needs a cron (6 fields, seconds first)');
    try {
      await this.scanAll.setSchedule(type, cron, auditActorOf(actor));
    } catch (error) {
      if (error instanceof InvalidCronError) throw new ApiError('BAD_REQUEST', error.message);
      throw error;
    }
    return {};
  }

  async stopAll(principal: Principal): Promise<void> {
    requireSysadmin(principal);
    if (!(await this.scanAll.stop())) throw new ApiError('PRECONDITION', 'no scan of all artifacts is running');
  }

  async metrics(principal: Principal, trigger?: 'MANUAL' | 'SCHEDULE'): Promise<ScanAllMetricsResponse> {
    requireSysadmin(principal);
    const latest = await this.scanAll.latest(trigger);
    return latest ? toMetrics(latest) : { total: 0, completed: 0, metrics: {}, ongoing: false };
  }
}

function toMetrics(execution: ExecutionRecord): ScanAllMetricsResponse {
  const m = execution.metrics;
  const completed = m.success_task_count + m.error_task_count + m.stopped_task_count;
  const metrics: Record<string, number> = {};
  if (m.success_task_count) metrics.Success = m.success_task_count;
  if (m.error_task_count) metrics.Error = m.error_task_count;
  if (m.stopped_task_count) metrics.Stopped = m.stopped_task_count;
  if (m.running_task_count) metrics.Running = m.running_task_count;
  if (m.pending_task_count) metrics.Pending = m.pending_task_count;
  return { total: m.task_count, completed, metrics, requester: String(execution.id), ongoing: execution.status === 'Running', trigger: execution.trigger };
}
