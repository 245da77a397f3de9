import { Injectable, Logger } from '@nestjs/common';
import type { SqlExecutor } from '@wharf/db';
import { EventConsumer, EventType, type AfterCommit, type EventHandler, type RegistryEvent } from '@wharf/events';
import { ScannerRegistrations } from '@wharf/scanners';
import { ScanLauncher, type ScanLaunch, type ScanTarget, type ScanType } from './scan-launcher';

/**
 * Scan on push (project metadata `auto_scan`) and SBOM on push (`auto_sbom_generation`) as a
 * consumer of the event stream: each pushed image (an index: its children) of such a project
 * becomes an execution (trigger EVENT) written in the batch's transaction, its jobs queued after
 * the commit. Without a scanner for the project nothing is scanned; tag-only pushes and the
 * scanner's own SBOM pushes are not scanned again.
 */
@EventConsumer({ name: 'scan-on-push', types: [EventType.PushArtifact] })
@Injectable()
export class ScanEventConsumer implements EventHandler {
  private readonly logger = new Logger(ScanEventConsumer.name);

  constructor(
    private readonly launcher: ScanLauncher,
    private readonly registrations: ScannerRegistrations,
  ) {}

  async handle(tx: SqlExecutor, events: RegistryEvent[]): Promise<AfterCommit> {
    const launched: ScanLaunch[] = [];
    for (const event of events) {
      if (event.type !== EventType.PushArtifact || event.data.tagsOnly || event.data.operator === 'scanner') continue;
      const { repository, digest } = event.data;
      const [artifact] = await tx.query<{ id: string; project_id: number; project_name: string; media_type: string; config_media_type: string | null; artifact_type: string | null; auto_scan: boolean; auto_sbom: boolean }>(
        `SELECT a.id, a.project_id, p.name AS project_name, a.media_type, a.config_media_type, a.artifact_type,
                EXISTS (SELECT 1 FROM project_metadata m WHERE m.project_id = a.project_id AND m.name = 'auto_scan' AND m.value = 'true') AS auto_scan,
                EXISTS (SELECT 1 FROM project_metadata m WHERE m.project_id = a.project_id AND m.name = 'auto_sbom_generation' AND m.value = 'true') AS auto_sbom
           FROM artifact a JOIN repository r ON r.repository_id = a.repository_id JOIN project p ON p.project_id = a.project_id
          WHERE r.name = $1 AND a.digest = $2`,
        [repository, digest],
      );
      if (!artifact || (!artifact.auto_scan && !artifact.auto_sbom)) continue;
      const registration = await this.registrations.forProject(artifact.project_id);
      if (!registration) continue;
      const target: ScanTarget = {
        projectId: artifact.project_id,
        projectName: artifact.project_name,
        repository,
        artifactId: Number(artifact.id),
        digest,
        mediaType: artifact.media_type,
        configMediaType: artifact.config_media_type,
        artifactType: artifact.artifact_type,
        tag: event.data.tags[0],
      };
      const types: ScanType[] = [...(artifact.auto_scan ? (['vulnerability'] as const) : []), ...(artifact.auto_sbom ? (['sbom'] as const) : [])];
      for (const type of types) {
        try {
          const images = await this.launcher.imagesOf(tx, target);
          if (images.length === 0) continue;
          launched.push(await this.launcher.launch([target], { type, trigger: 'EVENT', within: tx, registration }));
        } catch (error) {
          this.logger.warn(`${type} scan on push of ${repository}@${digest} not started: ${(error as Error).message}`);
        }
      }
    }
    return async () => {
      for (const run of launched) await run.enqueue();
    };
  }
}
