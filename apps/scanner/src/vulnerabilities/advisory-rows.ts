import { cvssScoresOf, vendorSeverityOf } from './advisory-severity';
import { isSupportedEcosystem, storedEcosystemOf, storedNameOf } from './osv-ecosystems';
import { cveIdsOf, cweIdsOf, linksOf, type OsvRange, type OsvRecord } from './osv-record';
import type { Severity } from './vulnerability-finding';

/** One `osv_advisory` row. */
export interface AdvisoryRow {
  id: string;
  /** as the record writes it: Postgres parses it (microseconds), so "not newer" compares like with like */
  modified: string;
  published: string | null;
  cve_ids: string[];
  aliases: string[];
  description: string;
  links: string[];
  cwe_ids: string[];
  cvss_severity: Severity | null;
  cvss_v3_score: number | null;
  cvss_v3_vector: string | null;
  cvss_v2_score: number | null;
  cvss_v2_vector: string | null;
}

/** One `osv_affected_package` row. */
export interface AffectedRow {
  ecosystem: string;
  name: string;
  ranges: OsvRange[];
  versions: string[];
  vendor_severity: Severity | null;
}

export interface AdvisoryRows {
  advisory: AdvisoryRow;
  affected: AffectedRow[];
}

const validTime = (value: unknown): string | null => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : null);

/**
 * The rows a record becomes: only affected entries of ecosystems the scanner matches, with their
 * ECOSYSTEM and SEMVER ranges (GIT ranges name commits, which an image does not carry). The
 * `versions` list is kept only for an entry without such a range: osv.dev enumerates it from
 * the ranges, so beside them it repeats what they say (and would be most of the database's size).
 */
export function advisoryRowsOf(record: OsvRecord): AdvisoryRows {
  const cvss = cvssScoresOf(record.severity);
  const affected: AffectedRow[] = [];
  for (const entry of record.affected ?? []) {
    const ecosystem = entry?.package?.ecosystem;
    const name = entry?.package?.name;
    if (typeof ecosystem !== 'string' || typeof name !== 'string' || !name || !isSupportedEcosystem(ecosystem)) continue;
    const ranges = (Array.isArray(entry.ranges) ? entry.ranges : [])
      .filter((range) => (range?.type === 'ECOSYSTEM' || range?.type === 'SEMVER') && Array.isArray(range.events))
      .map((range) => ({ type: range.type, events: range.events }));
    const versions = ranges.length ? [] : (Array.isArray(entry.versions) ? entry.versions : []).filter((v): v is string => typeof v === 'string');
    if (!ranges.length && !versions.length) continue;
    const stored = storedEcosystemOf(ecosystem);
    affected.push({ ecosystem: stored, name: storedNameOf(stored, name), ranges, versions, vendor_severity: vendorSeverityOf(record, entry) });
  }
  const text = (record.details ?? '').trim() || (record.summary ?? '').trim();
  return {
    advisory: {
      id: record.id,
      modified: record.modified,
      published: validTime(record.published),
      cve_ids: cveIdsOf(record),
      aliases: (record.aliases ?? []).filter((a) => typeof a === 'string'),
      description: (record.summary && record.details ? `${record.summary.trim()}\n\n${record.details.trim()}` : text).slice(0, 16_384),
      links: linksOf(record),
      cwe_ids: cweIdsOf(record),
      cvss_severity: cvss.severity,
      cvss_v3_score: cvss.preferred?.score_v3 ?? null,
      cvss_v3_vector: cvss.preferred?.vector_v3 ?? null,
      cvss_v2_score: cvss.preferred?.score_v2 ?? null,
      cvss_v2_vector: cvss.preferred?.vector_v2 ?? null,
    },
    affected,
  };
}
