import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { HARBOR_SBOM_ARTIFACT_TYPE, SBOM_REPORT } from '../scan-report';
import type { OverviewRow } from './scan-overview';

/** The manifests a scan takes (the scan side's rule): image manifests with an image config, SBOM accessories aside. */
const IMAGE_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];
const IMAGE_CONFIGS = ['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json'];

/** Harbor's project metadata key naming the project's scanner registration (controller/scanner proScannerMetaKey). */
export const PROJECT_SCANNER_METADATA = 'projectScanner';

/** The registration a project's reports come from. */
export interface ReportRegistration {
  uuid: string;
  name: string;
}

/**
 * Reads `scan_report` for artifact answers (scan-core writes it). Every read takes a whole page
 * of digests at once: an artifact list with overviews costs one query, however long the page.
 */
@Injectable()
export class ScanReportReader {
  constructor(private readonly sql: SqlClient) {}

  /**
   * The project's scanner (project metadata `projectScanner`) when it is enabled, else the
   * default registration when it is enabled, else none: the rule of the scan side's
   * ScannerRegistrations.forProject (Harbor's GetRegistrationByProject).
   */
  async registrationFor(projectId: number): Promise<ReportRegistration | null> {
    const [row] = await this.sql.query<{ uuid: string; name: string }>(
      `WITH chosen AS (SELECT value FROM project_metadata WHERE project_id = $1 AND name = $2)
       SELECT r.uuid::text AS uuid, r.name
         FROM scanner_registration r
        WHERE NOT r.disabled AND (r.uuid::text = (SELECT value FROM chosen) OR r.is_default)
        ORDER BY (r.uuid::text = (SELECT value FROM chosen)) DESC NULLS LAST
        LIMIT 1`,
      [projectId, PROJECT_SCANNER_METADATA],
    );
    return row ?? null;
  }

  /**
   * Rows of the digests for one registration and some mime types, without their reports unless
   * `withReport` names digests whose report is needed (an index's children, to merge them).
   */
  async rows(digests: string[], registrationUuid: string, mimeTypes: string[], withReport: ReadonlySet<string> = new Set()): Promise<OverviewRow[]> {
    if (digests.length === 0 || mimeTypes.length === 0) return [];
    return this.sql.query<OverviewRow>(
      `SELECT uuid::text AS uuid, digest, mime_type, scan_status, start_time, end_time, severity, summary, scanner,
              CASE WHEN digest = ANY($4::text[]) THEN report END AS report,
              -- only an SBOM row's report is opened here: a vulnerability report stays on disk (TOAST)
              CASE WHEN mime_type = $5 THEN report->>'sbom_digest' END AS sbom_digest
         FROM scan_report
        WHERE digest = ANY($1::text[]) AND registration_uuid = $2::uuid AND mime_type = ANY($3::text[])`,
      [digests, registrationUuid, mimeTypes, [...withReport], SBOM_REPORT],
    );
  }

  /** Which of these digests (an index's children) are images a scan takes: an index is reported through those. */
  async scannable(digests: string[]): Promise<Set<string>> {
    if (digests.length === 0) return new Set();
    const rows = await this.sql.query<{ digest: string }>(
      `SELECT DISTINCT digest FROM artifact
        WHERE digest = ANY($1::text[]) AND media_type = ANY($2::text[])
          AND (config_media_type IS NULL OR config_media_type = ANY($3::text[])) AND artifact_type IS DISTINCT FROM $4`,
      [digests, IMAGE_TYPES, IMAGE_CONFIGS, HARBOR_SBOM_ARTIFACT_TYPE],
    );
    return new Set(rows.map((r) => r.digest));
  }

  /** The full reports (the adapter's JSON) of digests for one registration and mime type. */
  async reports(digests: string[], registrationUuid: string, mimeType: string): Promise<Array<OverviewRow & { report: Record<string, unknown> | null }>> {
    if (digests.length === 0) return [];
    return this.sql.query(
      `SELECT uuid::text AS uuid, digest, mime_type, scan_status, start_time, end_time, severity, summary, scanner, report
         FROM scan_report
        WHERE digest = ANY($1::text[]) AND registration_uuid = $2::uuid AND mime_type = $3`,
      [digests, registrationUuid, mimeType],
    );
  }
}
