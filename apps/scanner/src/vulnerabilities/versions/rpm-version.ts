import { ordering } from './version-ordering';

/** An rpm EVR, `[epoch:]version[-release]`. */
export interface RpmVersion {
  epoch: number;
  version: string;
  release: string | null;
}

export function parseRpmVersion(text: string): RpmVersion | null {
  const evr = text.trim();
  if (!evr || /\s/.test(evr)) return null;
  let epoch = 0;
  let rest = evr;
  const colon = evr.indexOf(':');
  if (colon >= 0) {
    if (!/^\d+$/.test(evr.slice(0, colon))) return null;
    epoch = Number(evr.slice(0, colon));
    rest = evr.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const version = dash >= 0 ? rest.slice(0, dash) : rest;
  if (!version) return null;
  return { epoch, version, release: dash >= 0 ? rest.slice(dash + 1) : null };
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined) => c !== undefined && /[A-Za-z]/.test(c);
const isAlnum = (c: string | undefined) => isDigit(c) || isAlpha(c);

/** rpmvercmp (rpm 4.15+): alphanumeric segments, `~` sorts before anything, `^` after the base. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let one = 0;
  let two = 0;
  while (one < a.length || two < b.length) {
    while (one < a.length && !isAlnum(a[one]) && a[one] !== '~' && a[one] !== '^') one++;
    while (two < b.length && !isAlnum(b[two]) && b[two] !== '~' && b[two] !== '^') two++;
    if (a[one] === '~' || b[two] === '~') {
      if (a[one] !== '~') return 1;
      if (b[two] !== '~') return -1;
      one++;
      two++;
      continue;
    }
    if (a[one] === '^' || b[two] === '^') {
      if (one >= a.length) return -1;
      if (two >= b.length) return 1;
      if (a[one] !== '^') return 1;
      if (b[two] !== '^') return -1;
      one++;
      two++;
      continue;
    }
    if (!(one < a.length && two < b.length)) break;
    let p = one;
    let q = two;
    const numeric = isDigit(a[p]);
    const inSegment = numeric ? isDigit : isAlpha;
    while (p < a.length && inSegment(a[p])) p++;
    while (q < b.length && inSegment(b[q])) q++;
    let left = a.slice(one, p);
    let right = b.slice(two, q);
    // segments of different kinds: the numeric one is newer
    if (!right) return numeric ? 1 : -1;
    if (numeric) {
      left = left.replace(/^0+/, '');
      right = right.replace(/^0+/, '');
      if (left.length !== right.length) return left.length > right.length ? 1 : -1;
    }
    if (left !== right) return left < right ? -1 : 1;
    one = p;
    two = q;
  }
  if (one >= a.length && two >= b.length) return 0;
  return one >= a.length ? -1 : 1;
}

export function compareRpmVersions(a: RpmVersion, b: RpmVersion): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  const byVersion = rpmvercmp(a.version, b.version);
  if (byVersion || a.release === null || b.release === null) return byVersion;
  return rpmvercmp(a.release, b.release);
}

/** Red Hat, Rocky, AlmaLinux, SUSE, ... packages (rpm). */
export const rpmOrdering = ordering(parseRpmVersion, compareRpmVersions);
