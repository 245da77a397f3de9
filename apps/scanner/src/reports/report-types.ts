import type { SbomMediaType } from '../api/mime-types';
import type { PreferredCvss, Severity } from '../vulnerabilities/vulnerability-finding';

/** The spec's `Scanner`. */
export interface ScannerIdentity {
  name: string;
  vendor: string;
  version: string;
}

/** The spec's `Artifact`, as the scan request named it. */
export interface ReportArtifact {
  repository: string;
  digest: string;
  tag?: string;
  mime_type?: string;
}

/** The spec's `VulnerabilityItem` (report v1.1; v1.0 is the same without the last three fields). */
export interface VulnerabilityItem {
  id: string;
  package: string;
  version: string;
  fix_version: string;
  severity: Severity;
  description: string;
  links: string[];
  /** where the package came from, as Harbor (and the Trivy adapter) show it */
  layer?: { digest: string; diff_id?: string };
  preferred_cvss?: PreferredCvss;
  cwe_ids: string[];
  vendor_attributes: Record<string, unknown>;
}

/** The spec's `HarborVulnerabilityReport`; `severity` is absent when nothing was found (as the Trivy adapter does). */
export interface VulnerabilityReport {
  generated_at: string;
  artifact: ReportArtifact;
  scanner: ScannerIdentity;
  severity?: Severity;
  vulnerabilities: VulnerabilityItem[];
}

/** The spec's `HarborSbomReport` (v1.2). */
export interface SbomReport {
  generated_at: string;
  artifact: ReportArtifact;
  scanner: ScannerIdentity;
  vendor_attributes: Record<string, unknown>;
  media_type: SbomMediaType;
  sbom: Record<string, unknown>;
}
