import type { OsvEvent, OsvRange } from './osv-record';
import type { VersionOrdering } from './versions/version-ordering';

/** One affected entry as the database keeps it: the ranges it can evaluate, or the explicit versions. */
export interface AffectedVersions {
  /** ECOSYSTEM and SEMVER ranges (GIT ranges are about commits, which an image does not tell) */
  ranges: OsvRange[];
  /** the record's `versions`, kept only when it has no range to evaluate (see the importer) */
  versions: string[];
}

export interface AffectedVerdict {
  affected: boolean;
  /** the lowest `fixed` above the installed version in a range that affects it */
  fixVersion?: string;
}

type Parsed = { event: keyof OsvEvent; text: string; value: unknown };

/**
 * Whether `installed` is affected, per the OSV schema's evaluation: in each range the events are
 * sorted by version ("0" first); an `introduced` at or below the version starts an affected span,
 * a `fixed` at or below it or a `last_affected` below it ends it; a `limit` caps the range. An
 * event version the ordering cannot read makes its range unusable (skipped, never guessed).
 */
export function evaluateAffected(entry: AffectedVersions, installed: string, ecosystemOrdering: VersionOrdering, semverOrdering: VersionOrdering): AffectedVerdict {
  if (entry.versions.includes(installed)) return { affected: true };
  let affected = false;
  let fixVersion: { text: string; value: unknown; ordering: VersionOrdering } | undefined;
  for (const range of entry.ranges) {
    const ordering = range.type === 'SEMVER' ? semverOrdering : ecosystemOrdering;
    const version = ordering.parse(installed);
    if (version === null) continue;
    const events = parseEvents(range.events, ordering);
    if (!events) continue;
    const verdict = evaluateRange(events, version, ordering);
    if (!verdict.affected) continue;
    affected = true;
    if (verdict.fix && (!fixVersion || (fixVersion.ordering === ordering && ordering.compare(verdict.fix.value, fixVersion.value) < 0))) {
      fixVersion = { ...verdict.fix, ordering };
    }
  }
  return affected ? { affected, fixVersion: fixVersion?.text } : { affected: false };
}

function parseEvents(events: OsvEvent[], ordering: VersionOrdering): Parsed[] | null {
  const parsed: Parsed[] = [];
  for (const event of events ?? []) {
    for (const kind of ['introduced', 'fixed', 'last_affected', 'limit'] as const) {
      const text = event[kind];
      if (typeof text !== 'string') continue;
      if (kind === 'introduced' && text === '0') {
        parsed.push({ event: kind, text, value: null });
        continue;
      }
      if (kind === 'limit' && text === '*') continue;
      const value = ordering.parse(text);
      if (value === null) return null;
      parsed.push({ event: kind, text, value });
    }
  }
  // "0" first; otherwise by version, and at one version a start before an end
  const rank = { introduced: 0, last_affected: 1, fixed: 2, limit: 3 };
  return parsed.sort((a, b) => {
    if (a.value === null || b.value === null) return a.value === null ? (b.value === null ? 0 : -1) : 1;
    return ordering.compare(a.value, b.value) || rank[a.event] - rank[b.event];
  });
}

function evaluateRange(events: Parsed[], version: unknown, ordering: VersionOrdering): { affected: boolean; fix?: { text: string; value: unknown } } {
  const limits = events.filter((e) => e.event === 'limit');
  if (limits.length && !limits.some((limit) => ordering.compare(version, limit.value) < 0)) return { affected: false };
  let affected = false;
  for (const event of events) {
    const at = event.value === null ? -1 : ordering.compare(version, event.value);
    if (event.event === 'introduced' && (event.value === null || at >= 0)) affected = true;
    else if (event.event === 'fixed' && at >= 0) affected = false;
    else if (event.event === 'last_affected' && at > 0) affected = false;
  }
  if (!affected) return { affected };
  // the span holding the version ends at the next `fixed` (the fix) or `last_affected` (no fix yet)
  const end = events.find(
    (e) => (e.event === 'fixed' && ordering.compare(version, e.value) < 0) || (e.event === 'last_affected' && ordering.compare(version, e.value) <= 0),
  );
  return { affected, fix: end?.event === 'fixed' ? { text: end.text, value: end.value } : undefined };
}
