import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { UpstreamUnavailableError } from '@wharf/registries';
import type { SbomMediaType } from '../api/mime-types';
import { ImagePuller, PullError } from '../registry/image-puller';
import { buildSbomReport } from '../reports/sbom-report';
import type { SbomReport, VulnerabilityReport } from '../reports/report-types';
import { buildVulnerabilityReport, type ScannedImage } from '../reports/vulnerability-report';
import { SCAN_ENGINES, type ScanEngines } from '../scan/scan-engines';
import { SCANNER_IDENTITY } from '../scanner-identity';
import { ScanRepository, type StoredRequest } from './scan.repository';

const HEARTBEAT_MS = 30_000;

/** A failure worth another attempt: the registry was unreachable or overloaded for a moment. */
export class TransientScanError extends Error {}

/**
 * Runs one scan: marks it running, pulls the artifact, lists each platform's packages, matches
 * them, writes the reports and marks it finished; or marks it failed with a reason a person can
 * act on ("authentication failed: ..."). Idempotent: a retry (another replica taking over a
 * stalled job) starts again from the pull.
 */
@Injectable()
export class ScanRunner {
  private readonly logger = new Logger(ScanRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly scans: ScanRepository,
    @Inject(SCAN_ENGINES) private readonly engines: ScanEngines,
  ) {}

  async run(scanId: string, authorization: string | undefined, finalAttempt: boolean): Promise<void> {
    const request = await this.scans.start(scanId);
    if (!request) return; // finished, failed or expired meanwhile
    const heartbeat = setInterval(() => void this.scans.touch(scanId).catch(() => undefined), HEARTBEAT_MS);
    const started = Date.now();
    try {
      const { vulnerabilityReport, sbomReports } = await this.scan(request, authorization);
      await this.scans.finish(scanId, vulnerabilityReport, sbomReports);
      this.logger.log(
        `scan ${scanId} of ${request.artifact.repository}@${request.artifact.digest} finished in ${Date.now() - started} ms` +
          (vulnerabilityReport ? `: ${vulnerabilityReport.vulnerabilities.length} vulnerabilities` : ''),
      );
    } catch (error) {
      const message = failureMessage(error);
      if (isTransient(error) && !finalAttempt) {
        this.logger.warn(`scan ${scanId}: ${message}; it will be tried again`);
        throw new TransientScanError(message);
      }
      this.logger.warn(`scan ${scanId} failed: ${message}`);
      await this.scans.fail(scanId, message);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async scan(request: StoredRequest, authorization: string | undefined): Promise<{ vulnerabilityReport: VulnerabilityReport | null; sbomReports: Partial<Record<SbomMediaType, SbomReport>> | null }> {
    const puller = new ImagePuller(
      { registryUrl: request.registry.url, authorization, repository: request.artifact.repository, digest: request.artifact.digest },
      { timeoutMs: this.config.SCANNER_REGISTRY_TIMEOUT_SECONDS * 1000, insecure: this.config.SCANNER_REGISTRY_INSECURE },
    );
    try {
      const pulled = await puller.pull();
      const scanned: ScannedImage[] = [];
      // one platform after the other: a scan's memory is one image's inventory at a time
      for (const image of pulled.images) {
        const inventory = await this.engines.collectInventory(image);
        const findings = request.plan.vulnerability ? await this.engines.matcher.match(inventory) : [];
        scanned.push({ image, inventory, findings });
      }
      const generatedAt = new Date();
      const vulnerabilityReport = request.plan.vulnerability ? buildVulnerabilityReport(request.artifact, SCANNER_IDENTITY, scanned, generatedAt) : null;
      if (pulled.skippedPlatforms.length) this.logger.log(`${request.artifact.repository}@${request.artifact.digest}: not scanned (not linux images): ${pulled.skippedPlatforms.join(', ')}`);
      let sbomReports: Partial<Record<SbomMediaType, SbomReport>> | null = null;
      if (request.plan.sbomMediaTypes.length) {
        sbomReports = {};
        const subject = preferredImage(scanned);
        for (const mediaType of request.plan.sbomMediaTypes) {
          const document = await this.engines.generateSbom(subject.image, subject.inventory, mediaType);
          sbomReports[mediaType] = buildSbomReport(request.artifact, SCANNER_IDENTITY, mediaType, document, subject.image, scanned.map((s) => s.image), generatedAt);
        }
      }
      return { vulnerabilityReport, sbomReports };
    } finally {
      await puller.close().catch(() => undefined);
    }
  }
}

/** The platform whose SBOM an index's report carries: linux/amd64 when there is one, else the first. */
function preferredImage(scanned: ScannedImage[]): ScannedImage {
  return scanned.find((s) => s.image.platform === 'linux/amd64') ?? scanned[0];
}

function isTransient(error: unknown): boolean {
  return error instanceof UpstreamUnavailableError;
}

function failureMessage(error: unknown): string {
  if (error instanceof PullError) return error.message;
  if (error instanceof UpstreamUnavailableError) return `the registry could not be reached: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return `the scan failed: ${message}`;
}
