/**
 * The parts of an OSV record (https://ossf.github.io/osv-schema/) the scanner reads, and the
 * checks a record must pass before it is imported. Anything else in a record is ignored.
 */
export type OsvEvent = { introduced?: string; fixed?: string; last_affected?: string; limit?: string };

export interface OsvRange {
  type: 'ECOSYSTEM' | 'SEMVER' | 'GIT' | string;
  events: OsvEvent[];
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
  severity?: OsvSeverity[];
}

export interface OsvSeverity {
  type: 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4' | 'Ubuntu' | string;
  score: string;
}

export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  /** the upstream ids a distribution's record derives from (Debian, Alpine, Ubuntu put CVEs here) */
  upstream?: string[];
  related?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffected[];
  references?: { type?: string; url: string }[];
  database_specific?: Record<string, unknown>;
}

export class InvalidOsvRecordError extends Error {
  constructor(source: string, reason: string) {
    super(`${source}: not an OSV record (${reason})`);
    this.name = 'InvalidOsvRecordError';
  }
}

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Parses and checks one record's JSON text; `source` names it in errors (a file or zip entry). */
export function parseOsvRecord(text: string, source: string): OsvRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidOsvRecordError(source, (error as Error).message);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InvalidOsvRecordError(source, 'not a JSON object');
  const record = value as OsvRecord;
  if (!isString(record.id) || record.id.length > 255) throw new InvalidOsvRecordError(source, 'no id');
  if (!isString(record.modified) || Number.isNaN(Date.parse(record.modified))) throw new InvalidOsvRecordError(source, 'no valid modified time');
  if (record.affected !== undefined && !Array.isArray(record.affected)) throw new InvalidOsvRecordError(source, 'affected is not a list');
  return record;
}

const CVE = /^CVE-\d{4}-\d{4,}$/;

/**
 * The CVE ids a record is about: its aliases and upstream ids that are CVEs, or the CVE its own id
 * carries (ALPINE-CVE-2023-5363, DEBIAN-CVE-2023-0286, UBUNTU-CVE-...). `related` ids are left out:
 * they name other vulnerabilities.
 */
export function cveIdsOf(record: OsvRecord): string[] {
  const ids = new Set<string>();
  if (CVE.test(record.id)) ids.add(record.id);
  for (const id of [...(record.aliases ?? []), ...(record.upstream ?? [])]) if (CVE.test(id)) ids.add(id);
  const embedded = /^[A-Z]+-(CVE-\d{4}-\d{4,})$/.exec(record.id);
  if (embedded && !ids.size) ids.add(embedded[1]);
  return [...ids].sort();
}

/** The advisory's page on osv.dev, then the record's references (each once). */
export function linksOf(record: OsvRecord): string[] {
  const links = [`https://osv.dev/vulnerability/${encodeURIComponent(record.id)}`];
  for (const reference of record.references ?? []) if (isString(reference?.url) && !links.includes(reference.url)) links.push(reference.url);
  return links;
}

/** `database_specific.cwe_ids` (GitHub's records), each a `CWE-<n>`. */
export function cweIdsOf(record: OsvRecord): string[] {
  const ids = record.database_specific?.cwe_ids;
  return Array.isArray(ids) ? [...new Set(ids.filter((id): id is string => typeof id === 'string' && /^CWE-\d+$/.test(id)))] : [];
}
