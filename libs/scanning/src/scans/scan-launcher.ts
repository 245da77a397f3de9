import { Injectable, Logger } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { InvalidError, PreconditionError } from '@wharf/errors';
import { ExecutionService, JobName, JobQueues, taskJobId } from '@wharf/jobs';
import { ScannerRegistrations, type ScannerRegistration } from '@wharf/scanners';
import { HARBOR_SBOM_ARTIFACT_TYPE, SBOM_REPORT, VULNERABILITY_REPORT_V11 } from '../scan-report';
import { ScanReportStore } from './scan-report-store';

/** Executions of single scans (manual, on push); scan all has its own vendor. */
export const SCAN_VENDOR = 'SCAN';
export const SCAN_ALL_VENDOR = 'SCAN_ALL';
export type ScanType = 'vulnerability' | 'sbom';
export type ScanTrigger = 'MANUAL' | 'SCHEDULE' | 'EVENT';

/** The manifest types a scan takes (an index is scanned through its children). */
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const IMAGE_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']);
const IMAGE_CONFIGS = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

/** The report mime type (scan_report.mime_type) of a scan type. */
export const reportMimeOf = (type: ScanType): string => (type === 'sbom' ? SBOM_REPORT : VULNERABILITY_REPORT_V11);

/** What a scan task records (its extra_attrs): enough for the worker to run it alone. */
export interface ScanTaskAttrs {
  project_id: number;
  project_name: string;
  repository: string;
  digest: string;
  media_type: string;
  tag: string;
  registration_uuid: string;
  scan_type: ScanType;
  mime_type: string;
  report_uuid: string;
}

/** An artifact to scan, as the caller resolved it. */
export interface ScanTarget {
  projectId: number;
  projectName: string;
  repository: string;
  artifactId: number;
  digest: string;
  mediaType: string;
  configMediaType: string | null;
  artifactType: string | null;
  tag?: string;
}

export interface ScanLaunch {
  executionId: number;
  taskIds: number[];
  /** queues the task jobs: run it once the launching transaction has committed */
  enqueue: () => Promise<void>;
}

/**
 * Starts scans: one execution with one task per image manifest (an index contributes each of its
 * children; other artifacts, and SBOMs themselves, are not scannable), each task with its
 * scan_report row Pending, then one scan-task job per task. The registration is the project's
 * scanner (or the default); none, or a disabled one, refuses the scan.
 */
@Injectable()
export class ScanLauncher {
  private readonly logger = new Logger(ScanLauncher.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly executions: ExecutionService,
    private readonly queues: JobQueues,
    private readonly registrations: ScannerRegistrations,
    private readonly reports: ScanReportStore,
  ) {}

  /** The scanner a project's scans use; refuses (412) when there is none. */
  async registrationFor(projectId: number): Promise<ScannerRegistration> {
    const registration = await this.registrations.forProject(projectId);
    if (!registration) throw new PreconditionError('disabled', 'no scanner is configured (or the configured one is disabled)');
    return registration;
  }

  /** The image manifests a scan of this artifact covers (itself, or an index's children). */
  async imagesOf(db: SqlExecutor, target: ScanTarget): Promise<ScanTarget[]> {
    if (INDEX_TYPES.has(target.mediaType)) {
      const children = await db.query<{ id: string; digest: string; media_type: string; config_media_type: string | null; artifact_type: string | null }>(
        `SELECT a.id, a.digest, a.media_type, a.config_media_type, a.artifact_type
           FROM artifact_reference r JOIN artifact a ON a.id = r.child_id WHERE r.parent_id = $1 ORDER BY r.id`,
        [target.artifactId],
      );
      return children
        .map((c) => ({ ...target, artifactId: Number(c.id), digest: c.digest, mediaType: c.media_type, configMediaType: c.config_media_type, artifactType: c.artifact_type }))
        .filter(scannable);
    }
    return scannable(target) ? [target] : [];
  }

  /**
   * One execution for these artifacts. `skip` may leave some out (scan all: a current report).
   * With `within`, everything is written in the caller's transaction and `enqueue` must run after its commit.
   */
  async launch(
    targets: ScanTarget[],
    options: { type: ScanType; trigger: ScanTrigger; vendorType?: string; executionId?: number; within?: SqlExecutor; registration?: ScannerRegistration; refuseEmpty?: boolean },
  ): Promise<ScanLaunch> {
    const run = async (tx: SqlExecutor): Promise<{ executionId: number; taskIds: number[] }> => {
      const images: ScanTarget[] = [];
      for (const target of targets) images.push(...(await this.imagesOf(tx, target)));
      if (images.length === 0 && options.refuseEmpty) throw new InvalidError('request', 'the artifact is not scannable (only images, and indexes of images, are)');
      const mime = reportMimeOf(options.type);
      const byProject = new Map<number, ScannerRegistration>();
      const attrs: Omit<ScanTaskAttrs, 'report_uuid'>[] = [];
      for (const image of images) {
        let registration = options.registration ?? byProject.get(image.projectId);
        if (!registration) {
          registration = await this.registrationFor(image.projectId);
          byProject.set(image.projectId, registration);
        }
        attrs.push({
          project_id: image.projectId,
          project_name: image.projectName,
          repository: image.repository,
          digest: image.digest,
          media_type: image.mediaType,
          tag: image.tag ?? '',
          registration_uuid: registration.uuid,
          scan_type: options.type,
          mime_type: mime,
        });
      }
      let executionId = options.executionId;
      let taskIds: number[];
      if (executionId === undefined) {
        ({ executionId, taskIds } = await this.executions.create(
          { vendorType: options.vendorType ?? SCAN_VENDOR, vendorId: -1, trigger: options.trigger, extraAttrs: { scan_type: options.type }, tasks: attrs, emptyMessage: 'nothing to scan' },
          tx,
        ));
      } else taskIds = await this.executions.addTasks(executionId, attrs, tx);
      for (let i = 0; i < taskIds.length; i += 1) {
        const reportUuid = await this.reports.queued(tx, { digest: attrs[i].digest, registrationUuid: attrs[i].registration_uuid, mimeType: mime, executionId, taskId: taskIds[i] });
        await tx.query(`UPDATE task SET extra_attrs = extra_attrs || $2::jsonb WHERE id = $1`, [taskIds[i], JSON.stringify({ report_uuid: reportUuid })]);
      }
      return { executionId, taskIds };
    };
    const { executionId, taskIds } = options.within ? await run(options.within) : await this.sql.transaction(run);
    return { executionId, taskIds, enqueue: () => this.enqueue(executionId, taskIds) };
  }

  async enqueue(executionId: number, taskIds: number[]): Promise<void> {
    for (const taskId of taskIds) {
      const jobId = taskJobId('scan', taskId);
      try {
        // one attempt: the task ends itself with the adapter's reason; a worker's death is the watchdog's and the sweep's
        await this.queues.enqueue({ name: JobName.ScanTask, data: { executionId, taskId } }, { jobId, attempts: 1 });
        await this.executions.attachJob(taskId, JobName.ScanTask, jobId);
      } catch (error) {
        this.logger.error(`could not queue scan task ${taskId}: ${(error as Error).message}`);
      }
    }
  }
}

function scannable(target: ScanTarget): boolean {
  if (target.artifactType === HARBOR_SBOM_ARTIFACT_TYPE) return false;
  return IMAGE_TYPES.has(target.mediaType) && (target.configMediaType === null || IMAGE_CONFIGS.has(target.configMediaType));
}
