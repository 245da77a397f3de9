/**
 * The media types of the pluggable scanner API (goharbor/pluggable-scanner-spec v1.1 and v1.2),
 * in the spelling Harbor and the Trivy adapter send them.
 */
export const MIME = {
  metadata: 'application/vnd.scanner.adapter.metadata+json; version=1.0',
  scanRequest10: 'application/vnd.scanner.adapter.scan.request+json; version=1.0',
  scanRequest11: 'application/vnd.scanner.adapter.scan.request+json; version=1.1',
  scanResponse: 'application/vnd.scanner.adapter.scan.response+json; version=1.0',
  error: 'application/vnd.scanner.adapter.error+json; version=1.0',
  vulnerabilityReport11: 'application/vnd.security.vulnerability.report; version=1.1',
  vulnerabilityReport10: 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0',
  sbomReport: 'application/vnd.security.sbom.report+json; version=1.0',
} as const;

/** The artifacts the scanner reads: images, and indexes of them (each linux platform is scanned). */
export const CONSUMED_MIME_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
] as const;

export const SBOM_MEDIA_TYPES = ['application/vnd.cyclonedx+json', 'application/spdx+json'] as const;
export type SbomMediaType = (typeof SBOM_MEDIA_TYPES)[number];

export const VULNERABILITY_REPORT_TYPES = [MIME.vulnerabilityReport11, MIME.vulnerabilityReport10] as const;

/** Which report a GET of a scan report asks for. */
export type ReportKind = { type: 'vulnerability'; version: '1.1' | '1.0'; mimeType: string } | { type: 'sbom'; mimeType: string };

/**
 * A media type compared the way the spec's peers write it: case-insensitive type, parameters
 * in any order and spacing (`a/b;version=1.1` equals `a/b; version=1.1`).
 */
export function normalizeMediaType(value: string): string {
  const [type, ...parameters] = value.split(';').map((part) => part.trim());
  const normalized = parameters
    .filter(Boolean)
    .map((parameter) => {
      const [name, ...rest] = parameter.split('=');
      return `${name.trim().toLowerCase()}=${rest.join('=').trim().replace(/^"(.*)"$/, '$1')}`;
    })
    .sort();
  return [type.toLowerCase(), ...normalized].join('; ');
}

const REPORTS: ReportKind[] = [
  { type: 'vulnerability', version: '1.1', mimeType: MIME.vulnerabilityReport11 },
  { type: 'vulnerability', version: '1.0', mimeType: MIME.vulnerabilityReport10 },
  { type: 'sbom', mimeType: MIME.sbomReport },
];

/** The report type a produces_mime_types entry or an Accept value names, if it is one of ours. */
export function reportKindOf(mediaType: string): ReportKind | undefined {
  const wanted = normalizeMediaType(mediaType);
  return REPORTS.find((kind) => normalizeMediaType(kind.mimeType) === wanted);
}

/**
 * The report an Accept header asks for: none or `*\/*` means the vulnerability report v1.1 (as
 * the Trivy adapter answers); a list is read in order and its first report type we produce wins.
 * Undefined when it names none of ours.
 */
export function reportKindAccepted(accept: string | undefined): ReportKind | undefined {
  const value = (accept ?? '').trim();
  if (!value) return REPORTS[0];
  for (const candidate of value.split(',')) {
    const bare = candidate.split(';')[0].trim();
    if (bare === '*/*' || bare === 'application/*') return REPORTS[0];
    // q-values are not part of the type
    const withoutQ = candidate
      .split(';')
      .filter((part) => !/^\s*q\s*=/.test(part))
      .join(';');
    const kind = reportKindOf(withoutQ);
    if (kind) return kind;
  }
  return undefined;
}
