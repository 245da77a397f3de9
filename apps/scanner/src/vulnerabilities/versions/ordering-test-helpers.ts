import type { VersionOrdering } from './version-ordering';

/** Compares two version strings with an ordering, failing loudly on one it cannot read (specs only). */
export function compareWith(ordering: VersionOrdering, a: string, b: string): number {
  const left = ordering.parse(a);
  const right = ordering.parse(b);
  if (left === null || right === null) throw new Error(`unreadable version: ${left === null ? a : b}`);
  return Math.sign(ordering.compare(left, right));
}

/** Every adjacent pair of `ascending` sorts strictly upwards, and each version equals itself. */
export function expectAscending(ordering: VersionOrdering, ascending: string[]): void {
  for (let i = 0; i + 1 < ascending.length; i++) {
    expect([ascending[i], ascending[i + 1], compareWith(ordering, ascending[i], ascending[i + 1])]).toEqual([ascending[i], ascending[i + 1], -1]);
    expect([ascending[i + 1], ascending[i], compareWith(ordering, ascending[i + 1], ascending[i])]).toEqual([ascending[i + 1], ascending[i], 1]);
    expect(compareWith(ordering, ascending[i], ascending[i])).toBe(0);
  }
}
