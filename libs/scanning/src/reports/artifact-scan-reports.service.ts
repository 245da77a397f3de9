import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@wharf/errors';
import { HARBOR_VULNERABILITY_REPORT_V10, SBOM_REPORT, VULNERABILITY_REPORT_V11, type ScanOverview } from '../scan-report';
import { mergeReports, mergeScanOverviews, toSbomOverview, toScanOverview, type OverviewRow, type SbomOverview } from './scan-overview';
import { ScanReportReader, type ReportRegistration } from './scan-report-reader';

/** An artifact whose reports are asked for. */
export interface ReportSubject {
  id: number;
  digest: string;
  /** the digests of an index's children (Harbor reports an index through them); absent for a manifest */
  children?: string[];
  /** the digest of the subject's newest SBOM accessory, when the SBOM report row does not name it */
  sbomAccessoryDigest?: string;
}

export interface OverviewOptions {
  withScanOverview: boolean;
  withSbomOverview: boolean;
  /** the vulnerability report mime types the client accepts, in its order (acceptedVulnerabilityMimeTypes) */
  mimeTypes: string[];
  /** the project's scanner as `registrationFor` found it, when the caller started that lookup beside its own (a round trip fewer after them) */
  registration?: Promise<ReportRegistration | null>;
}

/** What an artifact answer carries: Harbor's `scan_overview` (keyed by report mime type) and `sbom_overview`. */
export interface ArtifactOverviews {
  scan_overview?: Record<string, ScanOverview>;
  sbom_overview?: SbomOverview;
}

const VULNERABILITY_MIME_TYPES = [VULNERABILITY_REPORT_V11, HARBOR_VULNERABILITY_REPORT_V10];

/**
 * Reports as artifact answers show them (Harbor's ScanReportAssembler and GetVulnerabilitiesAddition),
 * from the rows of the project's scanner registration (or the default one). A page of artifacts
 * costs two queries whatever its length: the registration and the page's rows.
 *
 * A client asking for the v1.0 report (`application/vnd.scanner.adapter.vuln.report.harbor+json;
 * version=1.0`) of an artifact that only has a v1.1 report gets the v1.1 report in the v1.0
 * shape (v1.1 only adds keys to each vulnerability); Harbor would answer nothing.
 */
@Injectable()
export class ArtifactScanReports {
  constructor(private readonly reader: ScanReportReader) {}

  /** The scanner whose reports a project's overviews show (the project's own, else the default), null when none. */
  registrationFor(projectId: number): Promise<ReportRegistration | null> {
    return this.reader.registrationFor(projectId);
  }

  /** The overviews of a page of artifacts of one project, by artifact id; artifacts without any are absent. */
  async overviews(projectId: number, subjects: ReportSubject[], options: OverviewOptions): Promise<Map<number, ArtifactOverviews>> {
    const result = new Map<number, ArtifactOverviews>();
    if ((!options.withScanOverview && !options.withSbomOverview) || subjects.length === 0) return result;
    const allChildren = options.withScanOverview ? [...new Set(subjects.flatMap((s) => s.children ?? []))] : [];
    const [registration, scannableChildren] = await Promise.all([options.registration ?? this.reader.registrationFor(projectId), this.reader.scannable(allChildren)]);
    if (!registration) return result;
    subjects = subjects.map((s) => (s.children?.length ? { ...s, children: s.children.filter((c) => scannableChildren.has(c)) } : s));
    const digests = new Set<string>();
    const childDigests = new Set<string>();
    for (const s of subjects) {
      digests.add(s.digest);
      if (!options.withScanOverview || !s.children?.length) continue;
      for (const child of s.children) {
        digests.add(child);
        childDigests.add(child);
      }
    }
    const mimeTypes = [...(options.withScanOverview ? VULNERABILITY_MIME_TYPES : []), ...(options.withSbomOverview ? [SBOM_REPORT] : [])];
    const rows = await this.reader.rows([...digests], registration.uuid, mimeTypes, childDigests);
    const byKey = new Map(rows.map((r) => [`${r.digest} ${r.mime_type}`, r]));
    const rowOf = (digest: string, mimeType: string): OverviewRow | undefined =>
      byKey.get(`${digest} ${mimeType}`) ?? (mimeType === HARBOR_VULNERABILITY_REPORT_V10 ? byKey.get(`${digest} ${VULNERABILITY_REPORT_V11}`) : undefined);

    for (const subject of subjects) {
      const answer: ArtifactOverviews = {};
      if (options.withScanOverview) {
        for (const mimeType of options.mimeTypes) {
          const overview = this.vulnerabilityOverview(subject, mimeType, rowOf);
          if (overview) {
            answer.scan_overview = { [mimeType]: overview };
            break;
          }
        }
      }
      if (options.withSbomOverview) {
        const row = byKey.get(`${subject.digest} ${SBOM_REPORT}`);
        if (row) answer.sbom_overview = toSbomOverview(row, subject.sbomAccessoryDigest);
      }
      if (answer.scan_overview || answer.sbom_overview) result.set(subject.id, answer);
    }
    return result;
  }

  /**
   * GET .../additions/vulnerabilities: `{<mime type>: <report>}` for the first accepted mime type
   * that has a report (Harbor stops at the first), `{}` when none has; an index's report is its
   * children's reports merged. No scanner for the project: not found, as Harbor.
   */
  async vulnerabilities(projectId: number, subject: Pick<ReportSubject, 'digest' | 'children'>, mimeTypes: string[]): Promise<Record<string, unknown>> {
    const registration = await this.reader.registrationFor(projectId);
    if (!registration) throw new NotFoundError('addition', `no scanner registration configured for project: ${projectId}`);
    const scannable = subject.children?.length ? await this.reader.scannable(subject.children) : new Set<string>();
    const digests = subject.children?.length ? subject.children.filter((c) => scannable.has(c)) : [subject.digest];
    if (digests.length === 0) return {};
    for (const mimeType of mimeTypes) {
      let rows = await this.reader.reports(digests, registration.uuid, mimeType);
      let converted = false;
      if (rows.length === 0 && mimeType === HARBOR_VULNERABILITY_REPORT_V10) {
        rows = await this.reader.reports(digests, registration.uuid, VULNERABILITY_REPORT_V11);
        converted = true;
      }
      // an index is reported once each child is (Harbor's GetReport answers nothing before)
      if (rows.length < digests.length) continue;
      const reports = rows.map((r) => r.report).filter((r): r is Record<string, unknown> => r !== null && r !== undefined);
      if (reports.length === 0) continue;
      const merged = mergeReports(reports);
      return { [mimeType]: converted ? toV10Report(merged) : merged };
    }
    return {};
  }

  private vulnerabilityOverview(subject: ReportSubject, mimeType: string, rowOf: (digest: string, mimeType: string) => OverviewRow | undefined): ScanOverview | undefined {
    if (subject.children?.length) {
      const children = subject.children.map((c) => rowOf(c, mimeType));
      if (children.some((c) => c === undefined)) return undefined;
      return mergeScanOverviews(children as OverviewRow[]);
    }
    const own = rowOf(subject.digest, mimeType);
    return own ? toScanOverview(own) : undefined;
  }
}

/** A v1.1 report in Harbor's v1.0 shape: the keys v1.1 added to each vulnerability go. */
function toV10Report(report: Record<string, unknown>): Record<string, unknown> {
  const vulnerabilities = Array.isArray(report.vulnerabilities) ? (report.vulnerabilities as Array<Record<string, unknown>>) : [];
  return {
    ...report,
    vulnerabilities: vulnerabilities.map((v) => {
      const { preferred_cvss: _cvss, cwe_ids: _cwe, vendor_attributes: _vendor, ...rest } = v;
      return rest;
    }),
  };
}
