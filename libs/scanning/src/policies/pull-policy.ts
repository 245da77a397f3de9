import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { accessoryKind, AccessoryKind, ArtifactQueries, type ArtifactRecord } from '@wharf/artifacts';
import { SqlClient } from '@wharf/db';
import { PreconditionError } from '@wharf/errors';
import type { Principal } from '@wharf/iam';
import { isScanRobot } from '../scan-robot';
import { SCAN_REQUESTER, type ScanRequester } from '../scan-requester';
import { CveAllowlists } from './cve-allowlists';
import { ProjectPullSettingsReader, type ProjectPullSettings } from './project-pull-settings';
import { ScanReportQueries, SEVERITY_CODE, severityCode, vulnerabilitiesOf } from './scan-report-queries';

/** how often a pull waiting for its scan looks at scan_report */
const SCAN_POLL_MS = 250;
const SEVERITY_NAMES = ['None', 'Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical'];
/** What scanner adapters consume (CONTRACTS.md section 4): image manifests with an image config. */
const IMAGE_MANIFESTS = ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'];
const IMAGE_CONFIGS = ['application/vnd.docker.container.image.v1+json', 'application/vnd.oci.image.config.v1+json'];

interface ArtifactRow {
  id: number;
  digest: string;
  media_type: string;
  config_media_type: string | null;
  artifact_type: string | null;
  subject_digest: string | null;
  tags: string[];
}

export interface PullRequest {
  /** `<project>/<path>` */
  repository: string;
  project: string;
  /** tag or digest */
  reference: string;
  /** asked only when a policy applies */
  principal: () => Promise<Principal | null>;
}

/**
 * The project policies a pull (a manifest GET) must pass, Harbor's middlewares in Harbor's order:
 * signature enforcement (`enable_content_trust_cosign` needs a cosign signature accessory,
 * `enable_content_trust` a notation one: Harbor 2.10 dropped Notary and gave the key to notation),
 * then `prevent_vul` with `severity` (vulnerabilities at or above it outside the CVE allowlist in
 * force, or no successful scan while a scanner is enabled). A refusal is a PreconditionError
 * `policy-violation` (412 PROJECTPOLICYVIOLATION). Exempt: the scan jobs' robots, accessories
 * (signatures, SBOMs: verifying a signature pulls it), artifacts no scanner consumes. An index is
 * judged by its image children; a child pulled by digest passes the signature check when an
 * index naming it is signed (docker pulls the index, then the child).
 */
@Injectable()
export class PullPolicy {
  constructor(
    private readonly sql: SqlClient,
    private readonly artifacts: ArtifactQueries,
    private readonly reports: ScanReportQueries,
    private readonly allowlists: CveAllowlists,
    private readonly config: AppConfig,
    @Inject(SCAN_REQUESTER) private readonly requester: ScanRequester,
    private readonly settings: ProjectPullSettingsReader,
  ) {}

  /** Does this (proxy-cache) project scan a newly cached artifact before serving it? */
  async scansBeforeServe(project: string): Promise<boolean> {
    return (await this.projectPolicies(project))?.values.get('proxy_scan_before_serve') === 'true';
  }

  /**
   * Beyond Harbor, for a proxy-cache project with `proxy_scan_before_serve`, once the artifact is
   * cached: when it (or a child of an index) has no successful report, asks the scan side for a
   * scan and waits for the report, at most PROXY_SCAN_WAIT_SECONDS; still none: refused as not
   * scanned. Then the project's prevent_vul applies to the fresh report. No scanner enabled:
   * nothing can scan, so nothing is waited for (as prevent_vul does).
   */
  async awaitScanBeforeServe(pull: PullRequest): Promise<void> {
    const meta = await this.projectPolicies(pull.project);
    if (!meta || meta.values.get('proxy_scan_before_serve') !== 'true') return;
    if (!(await this.reports.scannerConfigured())) return;
    const artifact = await this.resolve(pull.repository, pull.reference);
    if (!artifact || isAccessory(artifact)) return;
    if (isScanRobot(await pull.principal())) return;
    const targets = await this.scannable(artifact);
    const missing = async () => {
      const reports = await this.reports.vulnerabilityReports(targets);
      return targets.filter((digest) => !reports.get(digest)?.report);
    };
    let unscanned = await missing();
    if (unscanned.length > 0) {
      for (const digest of unscanned) await this.requester.requestScan({ projectId: meta.projectId, repository: pull.repository, digest });
      const deadline = Date.now() + this.config.PROXY_SCAN_WAIT_SECONDS * 1000;
      while (unscanned.length > 0 && Date.now() < deadline) {
        await sleep(SCAN_POLL_MS);
        unscanned = await missing();
      }
      if (unscanned.length > 0) {
        throw new PreconditionError(
          'policy-violation',
          `current image is not scanned yet and cannot be pulled: project ${pull.project} scans a newly cached artifact before serving it (proxy_scan_before_serve), and ${pull.repository}@${unscanned[0]} has no successful scan report after ${this.config.PROXY_SCAN_WAIT_SECONDS} s. Pull again in a while.`,
          { details: { project: pull.project, digest: artifact.digest, reason: 'not scanned', policy: 'proxy_scan_before_serve' } },
        );
      }
    }
    if (meta.values.get('prevent_vul') === 'true') await this.checkVulnerabilities(pull, meta.projectId, meta.values, artifact);
  }

  async check(pull: PullRequest): Promise<void> {
    const meta = await this.projectPolicies(pull.project);
    if (!meta) return;
    const cosign = meta.values.get('enable_content_trust_cosign') === 'true';
    const notation = meta.values.get('enable_content_trust') === 'true';
    const preventVul = meta.values.get('prevent_vul') === 'true';
    if (!cosign && !notation && !preventVul) return;
    if (isScanRobot(await pull.principal())) return;
    const artifact = await this.resolve(pull.repository, pull.reference);
    if (!artifact || isAccessory(artifact)) return;
    if (cosign) await this.requireSignature(pull, artifact, AccessoryKind.CosignSignature, 'cosign', 'enable_content_trust_cosign', 'cosign sign');
    if (notation) await this.requireSignature(pull, artifact, AccessoryKind.NotationSignature, 'notation', 'enable_content_trust', 'notation sign');
    if (preventVul) await this.checkVulnerabilities(pull, meta.projectId, meta.values, artifact);
  }

  private projectPolicies(project: string): Promise<ProjectPullSettings | null> {
    return this.settings.of(project);
  }

  private async resolve(repository: string, reference: string): Promise<ArtifactRow | undefined> {
    const byDigest = reference.includes(':');
    const rows = await this.sql.query<ArtifactRow>(
      `SELECT a.id, a.digest, a.media_type, a.config_media_type, a.artifact_type, a.subject_digest,
              COALESCE((SELECT array_agg(t.name) FROM tag t WHERE t.artifact_id = a.id), '{}') AS tags
         FROM artifact a
        WHERE a.repository_name = $1 AND ${byDigest ? 'a.digest = $2' : 'EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id AND t.name = $2)'}
        LIMIT 1`,
      [repository, reference],
    );
    return rows[0];
  }

  private async requireSignature(pull: PullRequest, artifact: ArtifactRow, kind: string, tool: string, key: string, command: string): Promise<void> {
    const parents = await this.sql.query<{ id: number }>(`SELECT parent_id AS id FROM artifact_reference WHERE child_id = $1`, [artifact.id]);
    const candidates = [{ id: artifact.id }, ...parents] as ArtifactRecord[];
    const accessories = await this.artifacts.accessoriesOf(candidates);
    if ([...accessories.values()].some((list) => list.some((a) => a.type === kind))) return;
    throw new PreconditionError(
      'policy-violation',
      `The image is not signed by ${tool}: project ${pull.project} requires a ${tool} signature to pull (${key}), and ${pull.repository}@${artifact.digest} has none. Sign it (${command}) and pull again.`,
      { details: { project: pull.project, digest: artifact.digest, policy: key } },
    );
  }

  private async checkVulnerabilities(pull: PullRequest, projectId: number, meta: ReadonlyMap<string, string>, artifact: ArtifactRow): Promise<void> {
    const thresholdName = (meta.get('severity') || 'low').toLowerCase();
    const threshold = SEVERITY_CODE[thresholdName] ?? SEVERITY_CODE.low;
    const severityLabel = thresholdName.charAt(0).toUpperCase() + thresholdName.slice(1);
    const policy = `configured policy in 'Prevent images with vulnerability severity of "${severityLabel}" or higher from running.'`;
    if (!(await this.reports.scannerConfigured())) return;
    const targets = await this.scannable(artifact);
    if (targets.length === 0) return;
    const reports = await this.reports.vulnerabilityReports(targets);
    const details = { project: pull.project, digest: artifact.digest, severity: severityLabel };
    for (const digest of targets) {
      const row = reports.get(digest);
      if (!row) {
        throw new PreconditionError(
          'policy-violation',
          `current image without vulnerability scanning cannot be pulled due to ${policy} The artifact ${pull.repository}@${digest} is not scanned: scan it, or contact your project administrator for help.`,
          { details: { ...details, reason: 'not scanned' } },
        );
      }
      if (!row.report) {
        throw new PreconditionError(
          'policy-violation',
          `current image with '${row.scan_status} status of vulnerability scanning' cannot be pulled due to ${policy} The artifact ${pull.repository}@${digest} is not scanned successfully yet; to continue with pull, please contact your project administrator for help.`,
          { details: { ...details, reason: 'not scanned', scan_status: row.scan_status } },
        );
      }
    }
    const allowlist = await this.allowlists.effective(projectId, meta.get('reuse_sys_cve_allowlist') !== 'false');
    const counts = new Map<number, number>();
    const seen = new Set<string>();
    let total = 0;
    for (const digest of targets) {
      for (const vulnerability of vulnerabilitiesOf(reports.get(digest)?.report ?? null)) {
        const code = severityCode(vulnerability.severity);
        if (code < threshold || allowlist.ids.has(vulnerability.id)) continue;
        // an index's children share packages: a CVE in one package counts once
        const key = `${vulnerability.id}\u0000${vulnerability.package ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        total++;
        counts.set(code, (counts.get(code) ?? 0) + 1);
      }
    }
    if (total === 0) return;
    const found = [...counts.entries()].sort((a, b) => b[0] - a[0]).map(([code, n]) => `${n} ${nameOf(code)}`).join(', ');
    const expired = allowlist.source === 'expired' ? ' (the CVE allowlist in force has expired, so it exempts nothing)' : '';
    throw new PreconditionError(
      'policy-violation',
      `current image with ${total} ${total === 1 ? 'vulnerability' : 'vulnerabilities'} cannot be pulled due to ${policy} Found at or above ${severityLabel}: ${found}${expired}. To continue with pull, please contact your project administrator to exempt matched vulnerabilities through configuring the CVE allowlist.`,
      { details: { ...details, reason: 'vulnerable', total, summary: Object.fromEntries([...counts].map(([code, n]) => [nameOf(code), n])) } },
    );
  }

  /** The digests a scanner consumes for this artifact: itself (an image), or an index's image children. */
  private async scannable(artifact: ArtifactRow): Promise<string[]> {
    if (isImage(artifact)) return [artifact.digest];
    const children = await this.sql.query<ArtifactRow>(
      `SELECT a.id, a.digest, a.media_type, a.config_media_type, a.artifact_type, a.subject_digest, '{}'::text[] AS tags
         FROM artifact_reference r JOIN artifact a ON a.id = r.child_id WHERE r.parent_id = $1 ORDER BY r.id`,
      [artifact.id],
    );
    return [...new Set(children.filter(isImage).map((c) => c.digest))];
  }
}

function isImage(artifact: ArtifactRow): boolean {
  return IMAGE_MANIFESTS.includes(artifact.media_type) && (artifact.config_media_type === null || IMAGE_CONFIGS.includes(artifact.config_media_type));
}

function isAccessory(artifact: ArtifactRow): boolean {
  if (artifact.subject_digest) return true;
  return accessoryKind({ artifactType: artifact.artifact_type, configMediaType: artifact.config_media_type, tags: artifact.tags }) !== AccessoryKind.Subject && artifact.tags.length > 0 && artifact.tags.every((t) => /^sha256-[0-9a-f]{64}\.(sig|att|sbom)$/.test(t));
}

function nameOf(code: number): string {
  return code === 0 ? 'Unknown' : SEVERITY_NAMES[code + 1];
}
