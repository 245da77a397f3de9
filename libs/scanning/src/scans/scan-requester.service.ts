import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import type { ScanRequester } from '../scan-requester';
import { VULNERABILITY_REPORT_V11 } from '../scan-report';
import { ScanLauncher, type ScanTarget } from './scan-launcher';

/**
 * The scan side's answer to the policy side's ScanRequester (proxy_scan_before_serve): a
 * vulnerability scan of one artifact, launched like a manual scan (trigger EVENT), unless one is
 * already queued or running for its digest with the project's scanner, which the caller then
 * joins by waiting for the same report row.
 */
@Injectable()
export class ScanRequesterService implements ScanRequester {
  constructor(
    private readonly sql: SqlClient,
    private readonly launcher: ScanLauncher,
  ) {}

  async requestScan(artifact: { projectId: number; repository: string; digest: string }): Promise<void> {
    const [row] = await this.sql.query<{ id: number; project_name: string; media_type: string; config_media_type: string | null; artifact_type: string | null }>(
      `SELECT a.id, p.name AS project_name, a.media_type, a.config_media_type, a.artifact_type
         FROM artifact a JOIN repository r ON r.repository_id = a.repository_id JOIN project p ON p.project_id = a.project_id
        WHERE a.project_id = $1 AND r.name = $2 AND a.digest = $3`,
      [artifact.projectId, artifact.repository, artifact.digest],
    );
    if (!row) return;
    const registration = await this.launcher.registrationFor(artifact.projectId);
    const [running] = await this.sql.query(
      `SELECT 1 FROM scan_report WHERE digest = $1 AND registration_uuid = $2 AND mime_type = $3 AND scan_status IN ('Pending', 'Running')`,
      [artifact.digest, registration.uuid, VULNERABILITY_REPORT_V11],
    );
    if (running) return;
    const target: ScanTarget = {
      projectId: artifact.projectId,
      projectName: row.project_name,
      repository: artifact.repository,
      artifactId: Number(row.id),
      digest: artifact.digest,
      mediaType: row.media_type,
      configMediaType: row.config_media_type,
      artifactType: row.artifact_type,
    };
    const launched = await this.launcher.launch([target], { type: 'vulnerability', trigger: 'EVENT', registration });
    await launched.enqueue();
  }
}
