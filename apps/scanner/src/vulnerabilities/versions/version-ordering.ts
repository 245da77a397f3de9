/**
 * How one ecosystem orders its versions. `compare` is only called with versions `parse` accepted;
 * a version an ordering cannot read is never matched (no finding is better than a wrong one).
 */
export interface VersionOrdering {
  /** a comparable form of `version`, or null when the ecosystem's rules cannot read it */
  parse(version: string): unknown | null;
  /** negative, zero or positive as `a` sorts before, with or after `b` (both parsed) */
  compare(a: unknown, b: unknown): number;
}

/** Builds an ordering from a parser and a comparator of parsed values. */
export function ordering<T>(parse: (version: string) => T | null, compare: (a: T, b: T) => number): VersionOrdering {
  return { parse, compare: (a, b) => compare(a as T, b as T) };
}
