import { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } from 'ae-cvss-calculator';
import type { PreferredCvss, Severity } from './vulnerability-finding';
import type { OsvAffected, OsvRecord, OsvSeverity } from './osv-record';

/**
 * Severity from an OSV record. CVSS vectors are scored with ae-cvss-calculator (v2, v3.0, v3.1,
 * v4.0); the databases' own ratings are read from where each puts them: GitHub's
 * `database_specific.severity`, Debian's `ecosystem_specific.urgency` per release, Ubuntu's
 * `severity` of type `Ubuntu`, and `ecosystem_specific`/`database_specific.severity` elsewhere.
 */

export interface CvssScores {
  /** the band of the v3.x score, or of the v4.0 score when there is no v3 vector */
  severity: Severity | null;
  preferred?: PreferredCvss;
}

const SEVERITY_ORDER: Severity[] = ['Unknown', 'Low', 'Medium', 'High', 'Critical'];

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_ORDER.indexOf(a) >= SEVERITY_ORDER.indexOf(b) ? a : b;
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITY_ORDER as string[]).includes(value);
}

/** The CVSS v3/v4 qualitative bands; a score of 0 ("None") has no band here and reads as Unknown. */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  if (score > 0) return 'Low';
  return 'Unknown';
}

/** The base score of one vector, or null when the library cannot read it. */
export function cvssBaseScore(entry: OsvSeverity): number | null {
  try {
    const vector = entry.score.trim();
    let cvss;
    if (entry.type === 'CVSS_V4' && vector.startsWith('CVSS:4.0/')) cvss = new Cvss4P0(vector);
    else if (entry.type === 'CVSS_V3' && vector.startsWith('CVSS:3.1/')) cvss = new Cvss3P1(vector);
    else if (entry.type === 'CVSS_V3' && vector.startsWith('CVSS:3.0/')) cvss = new Cvss3P0(vector);
    else if (entry.type === 'CVSS_V2' && /^(\(?AV:)/.test(vector)) cvss = new Cvss2(vector.replace(/^\(|\)$/g, ''));
    else return null;
    const base = cvss.calculateScores().base;
    return typeof base === 'number' && Number.isFinite(base) ? base : null;
  } catch {
    return null;
  }
}

/** Scores the record's CVSS vectors: the first readable v3.x (3.1 preferred), v4.0 and v2. */
export function cvssScoresOf(severities: OsvSeverity[] | undefined): CvssScores {
  const scored = (severities ?? [])
    .filter((entry) => entry && typeof entry.score === 'string')
    .map((entry) => ({ entry, score: cvssBaseScore(entry) }))
    .filter((s): s is { entry: OsvSeverity; score: number } => s.score !== null);
  const v3 = scored.filter((s) => s.entry.type === 'CVSS_V3').sort((a, b) => Number(b.entry.score.startsWith('CVSS:3.1/')) - Number(a.entry.score.startsWith('CVSS:3.1/')))[0];
  const v4 = scored.find((s) => s.entry.type === 'CVSS_V4');
  const v2 = scored.find((s) => s.entry.type === 'CVSS_V2');
  const preferred: PreferredCvss = {};
  if (v3) Object.assign(preferred, { score_v3: v3.score, vector_v3: v3.entry.score.trim() });
  if (v2) Object.assign(preferred, { score_v2: v2.score, vector_v2: v2.entry.score.trim() });
  const banded = v3 ?? v4;
  return { severity: banded ? severityOfScore(banded.score) : null, preferred: Object.keys(preferred).length ? preferred : undefined };
}

const VENDOR_WORDS: Record<string, Severity> = {
  unimportant: 'Low',
  negligible: 'Low',
  low: 'Low',
  moderate: 'Medium',
  medium: 'Medium',
  important: 'High',
  high: 'High',
  critical: 'Critical',
};

/** A database's own word for severity ("MODERATE", "low**", "Important"), or null when it rates nothing. */
export function vendorSeverityOfWord(word: unknown): Severity | null {
  if (typeof word !== 'string') return null;
  return VENDOR_WORDS[word.toLowerCase().replace(/[^a-z]/g, '')] ?? null;
}

/**
 * The database's own rating for one affected entry: the entry's `ecosystem_specific` or
 * `database_specific` (Debian's urgency per release, Red Hat's and SUSE's severity), else the
 * record's (GitHub's `database_specific.severity`, Ubuntu's `Ubuntu` severity entry).
 */
export function vendorSeverityOf(record: OsvRecord, affected: OsvAffected): Severity | null {
  const candidates = [
    affected.ecosystem_specific?.urgency,
    affected.ecosystem_specific?.severity,
    affected.database_specific?.severity,
    ...(affected.severity ?? []).filter((s) => s.type === 'Ubuntu').map((s) => s.score),
    ...(record.severity ?? []).filter((s) => s.type === 'Ubuntu').map((s) => s.score),
    record.database_specific?.severity,
  ];
  for (const candidate of candidates) {
    const severity = vendorSeverityOfWord(candidate);
    if (severity) return severity;
  }
  return null;
}
