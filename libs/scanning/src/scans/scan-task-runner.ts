import { Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { SqlClient } from '@wharf/db';
import { EventOutbox, EventType } from '@wharf/events';
import { DockerTokenService, type Robot } from '@wharf/iam';
import { ExecutionService, type ScanTaskPayload } from '@wharf/jobs';
import { ScannerRegistrations } from '@wharf/scanners';
import {
  AdapterError, fetchAdapterMetadata, registryAuthorizationType, runScan, ADAPTER_SCAN_TIMEOUT_MS,
  type AdapterConnection, type AdapterMetadata,
} from '../adapter/adapter-client';
import { HARBOR_VULNERABILITY_REPORT_V10, SBOM_REPORT, VULNERABILITY_REPORT_V11 } from '../scan-report';
import { summariseReport } from './report-summary';
import type { ScanTaskAttrs } from './scan-launcher';
import { ScanReportStore } from './scan-report-store';
import { ScanRobots } from './scan-robots';
import { SbomAccessories } from './sbom-accessories';

const DATABASE_UPDATED_AT = 'harbor.scanner-adapter/vulnerability-database-updated-at';
const STOP_CHECK_MS = 1_000;

/**
 * Runs one scan task: checks the adapter (its metadata, recorded as the registration's health),
 * creates the task's robot (pull, and push for an SBOM), submits the scan with the registry url
 * the adapter reaches Wharf at and the robot's credential (Basic, or a Bearer token, as the
 * adapter's metadata asks), polls the report (adapter-client.ts: Refresh-After, one resubmission
 * on 404, 30 minutes in all), writes the scan_report row and ends the task; the robot is deleted
 * whatever happened. A SCANNING_COMPLETED or SCANNING_FAILED event announces the end.
 */
@Injectable()
export class ScanTaskRunner {
  /** report polls per running task (its progress) */
  private readonly polls = new Map<number, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly sql: SqlClient,
    private readonly executions: ExecutionService,
    private readonly registrations: ScannerRegistrations,
    private readonly reports: ScanReportStore,
    private readonly robots: ScanRobots,
    private readonly tokens: DockerTokenService,
    private readonly outbox: EventOutbox,
    private readonly sboms: SbomAccessories,
  ) {}

  async run(job: ScanTaskPayload): Promise<{ status: string }> {
    const task = await this.executions.task(job.taskId);
    if (!task || ['Success', 'Error', 'Stopped'].includes(task.status)) return { status: task?.status ?? 'gone' };
    const attrs = task.extra_attrs as unknown as ScanTaskAttrs;
    if (await this.executions.stopRequested(job.executionId)) return this.end(attrs, job.taskId, 'Stopped', 'stopped before it started');
    if (!(await this.executions.transition(job.taskId, 'Running'))) return { status: 'taken' };
    await this.reports.running(job.taskId);
    const registration = await this.registrations.find(attrs.registration_uuid);
    if (!registration) return this.end(attrs, job.taskId, 'Error', 'the scanner registration is gone');
    const connection: AdapterConnection = {
      url: registration.url,
      auth: registration.auth,
      credential: await this.registrations.accessCredential(registration.uuid),
      skipCertVerify: registration.skipCertVerify,
    };
    let metadata: AdapterMetadata;
    try {
      metadata = await fetchAdapterMetadata(connection);
      await this.registrations.recordHealth(registration.uuid, { healthy: true, scanner: metadata.scanner });
    } catch (error) {
      const message = error instanceof AdapterError ? error.message : String(error);
      await this.registrations.recordHealth(registration.uuid, { healthy: false, message });
      return this.end(attrs, job.taskId, 'Error', `scanner ${registration.name} is unhealthy: ${message}`);
    }
    const capability = metadata.capabilities.find((c) => c.type === attrs.scan_type);
    if (!capability) return this.end(attrs, job.taskId, 'Error', `scanner ${registration.name} has no ${attrs.scan_type} capability`);
    const mime = attrs.scan_type === 'sbom'
      ? SBOM_REPORT
      : capability.produces_mime_types.includes(VULNERABILITY_REPORT_V11) ? VULNERABILITY_REPORT_V11 : HARBOR_VULNERABILITY_REPORT_V10;
    const sbomMediaType = attrs.scan_type === 'sbom' ? (capability.additional_attributes?.sbom_media_types?.[0] ?? 'application/spdx+json') : undefined;
    await this.executions.log(job.taskId, `scanner ${registration.name}: ${metadata.scanner.name} ${metadata.scanner.version} (${metadata.scanner.vendor})`);

    // the robot is deleted before the outcome is written: once a report or task is final, its robot is gone
    let robot: Robot | undefined;
    let outcome: { status: 'Success' | 'Error' | 'Stopped'; message: string; write?: () => Promise<void> };
    try {
      const created = await this.robots.create(job.taskId, { id: attrs.project_id, name: attrs.project_name }, attrs.scan_type === 'sbom');
      robot = created.robot;
      const authorization = await this.authorization(registryAuthorizationType(metadata), created.robot, created.secret, attrs);
      const registryUrl = registration.useInternalAddr ? (this.config.SCAN_INTERNAL_REGISTRY_URL ?? this.config.externalUrl).replace(/\/+$/, '') : this.config.externalUrl;
      await this.executions.log(job.taskId, `scanning ${attrs.repository}@${attrs.digest} from ${registryUrl} as ${created.robot.name}`);
      const stop = new AbortController();
      const { report } = await runScan(
        connection,
        {
          registry: { url: registryUrl, authorization },
          artifact: { repository: attrs.repository, ...(attrs.tag ? { tag: attrs.tag } : {}), digest: attrs.digest, mime_type: attrs.media_type },
          enabled_capabilities: [{ type: attrs.scan_type, produces_mime_types: [mime], ...(sbomMediaType ? { parameters: { sbom_media_types: [sbomMediaType] } } : {}) }],
        },
        {
          mime,
          sbomMediaType,
          timeoutMs: ADAPTER_SCAN_TIMEOUT_MS,
          signal: stop.signal,
          log: (line) => void this.executions.log(job.taskId, line),
          sleep: (ms) => this.sleepUnlessStopped(job.executionId, job.taskId, ms, stop),
        },
      );
      let parsed: unknown;
      try {
        parsed = JSON.parse(report);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined) outcome = { status: 'Error', message: 'the adapter answered a report that is not JSON' };
      else if (attrs.scan_type === 'sbom') {
        // stored while the robot (and its push right) still exists
        const accessory = await this.sboms.store(attrs, parsed, sbomMediaType!);
        outcome = {
          status: 'Success',
          message: 'scanned',
          write: async () => {
            await this.reports.succeeded(job.taskId, {
              report: { sbom_digest: accessory.digest, media_type: sbomMediaType, scanner: metadata.scanner },
              severity: null,
              summary: null,
              scanner: metadata.scanner,
              databaseUpdatedAt: null,
            });
            await this.executions.log(job.taskId, `SBOM stored as the accessory ${accessory.digest} of ${attrs.digest}`);
          },
        };
      } else {
        const { severity, summary } = summariseReport(parsed);
        const updatedAt = metadata.properties[DATABASE_UPDATED_AT] ? new Date(metadata.properties[DATABASE_UPDATED_AT]) : null;
        outcome = {
          status: 'Success',
          message: 'scanned',
          write: async () => {
            await this.reports.succeeded(job.taskId, { report: parsed, severity, summary, scanner: metadata.scanner, databaseUpdatedAt: updatedAt && !Number.isNaN(updatedAt.getTime()) ? updatedAt : null });
            await this.executions.log(job.taskId, `report: ${summary.total} vulnerabilities (${summary.fixable} fixable), severity ${severity}`);
          },
        };
      }
    } catch (error) {
      if (error instanceof AdapterError && error.message === 'the scan was stopped') outcome = { status: 'Stopped', message: 'stopped on request' };
      else outcome = { status: 'Error', message: error instanceof AdapterError ? error.message : `scan failed: ${(error as Error).message}` };
    } finally {
      if (robot) await this.robots.delete(robot);
    }
    this.polls.delete(job.taskId);
    await outcome.write?.();
    return this.end(attrs, job.taskId, outcome.status, outcome.message, registration.name);
  }

  private async authorization(type: 'Basic' | 'Bearer', robot: Robot, secret: string, attrs: ScanTaskAttrs): Promise<string> {
    if (type === 'Basic') return `Basic ${Buffer.from(`${robot.name}:${secret}`).toString('base64')}`;
    const actions = attrs.scan_type === 'sbom' ? ['pull', 'push'] : ['pull'];
    const token = await this.tokens.issue(robot.name, [{ type: 'repository', name: attrs.repository, actions }], { lifetimeSeconds: Math.ceil(ADAPTER_SCAN_TIMEOUT_MS / 1000) + 300 });
    return `Bearer ${token.token}`;
  }

  /**
   * Waits, checking every second whether the execution was asked to stop (then aborts the scan);
   * each wait is a sign of life for the watchdog (a scan may poll for 30 minutes).
   */
  private async sleepUnlessStopped(executionId: number, taskId: number, ms: number, stop: AbortController): Promise<void> {
    const polls = (this.polls.get(taskId) ?? 0) + 1;
    this.polls.set(taskId, polls);
    await this.executions.progress(taskId, { polls });
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(STOP_CHECK_MS, until - Date.now())));
      if (await this.executions.stopRequested(executionId)) {
        stop.abort();
        throw new AdapterError('the scan was stopped', 0);
      }
    }
  }

  private async end(attrs: ScanTaskAttrs, taskId: number, status: 'Success' | 'Error' | 'Stopped', message: string, scanner = ''): Promise<{ status: string }> {
    await this.executions.log(taskId, `${status}: ${message}`);
    if (status !== 'Success') await this.reports.ended(taskId, status, message);
    const [row] = await this.sql.query<{ uuid: string; severity: string | null; summary: Record<string, unknown> | null }>(`SELECT uuid, severity, summary FROM scan_report WHERE task_id = $1`, [taskId]);
    await this.sql.transaction(async (tx) => {
      await this.outbox.write(tx, [
        {
          type: status === 'Success' ? EventType.ScanningCompleted : EventType.ScanningFailed,
          data: {
            repository: attrs.repository,
            digest: attrs.digest,
            tags: attrs.tag ? [attrs.tag] : [],
            mediaType: attrs.media_type,
            operator: 'scanner',
            scan: {
              report_id: row?.uuid ?? attrs.report_uuid,
              scan_status: status,
              mime_type: attrs.mime_type,
              scanner,
              ...(status === 'Success' && row?.severity ? { severity: row.severity, summary: row.summary ?? undefined } : {}),
              ...(status !== 'Success' ? { message } : {}),
            },
          },
        },
      ]);
    });
    await this.executions.transition(taskId, status, message.slice(0, 1000));
    return { status };
  }
}
