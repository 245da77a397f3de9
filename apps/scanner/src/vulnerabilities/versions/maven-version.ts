import { ordering } from './version-ordering';

/**
 * Maven's ComparableVersion (maven-artifact): items split at `.`, `-` and digit/letter changes;
 * numbers compare by value, qualifiers alpha < beta < milestone < rc (cr) < snapshot < release
 * ("", ga, final, release) < sp < any other (alphabetically); `-` opens a sub-list; trailing zeros
 * and release qualifiers are dropped (1.0 = 1 = 1.0.0 = 1-ga).
 */
type Item = { kind: 'int'; value: bigint } | { kind: 'string'; value: string } | { kind: 'list'; items: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));

function comparableQualifier(qualifier: string): string {
  const index = QUALIFIERS.indexOf(qualifier);
  return index >= 0 ? String(index) : `${QUALIFIERS.length}-${qualifier}`;
}

function stringItem(value: string, followedByDigit: boolean): Item {
  if (followedByDigit && value.length === 1) value = ({ a: 'alpha', b: 'beta', m: 'milestone' } as Record<string, string>)[value] ?? value;
  return { kind: 'string', value: ALIASES[value] ?? value };
}

function parseItem(isDigit: boolean, text: string): Item {
  return isDigit ? { kind: 'int', value: BigInt(text) } : stringItem(text, false);
}

function isNull(item: Item): boolean {
  if (item.kind === 'int') return item.value === 0n;
  if (item.kind === 'string') return item.value === '';
  return item.items.length === 0;
}

function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i];
    if (isNull(last)) list.splice(i, 1);
    else if (last.kind !== 'list') break;
  }
}

export function parseMavenVersion(text: string): Item | null {
  const version = text.trim().toLowerCase();
  if (!version || /\s/.test(version)) return null;
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  let isDigit = false;
  let start = 0;
  const openList = () => {
    const sub: Item[] = [];
    list.push({ kind: 'list', items: sub });
    list = sub;
    stack.push(sub);
  };
  for (let i = 0; i < version.length; i++) {
    const c = version[i];
    if (c === '.' || c === '-') {
      list.push(i === start ? { kind: 'int', value: 0n } : parseItem(isDigit, version.slice(start, i)));
      start = i + 1;
      if (c === '-') openList();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        list.push(stringItem(version.slice(start, i), true));
        start = i;
        openList();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, version.slice(start, i)));
        start = i;
        openList();
      }
      isDigit = false;
    }
  }
  if (version.length > start) list.push(parseItem(isDigit, version.slice(start)));
  while (stack.length) normalize(stack.pop()!);
  return { kind: 'list', items: root };
}

function compareItems(left: Item | undefined, right: Item | undefined): number {
  if (!left) return right ? -compareItems(right, undefined) : 0;
  switch (left.kind) {
    case 'int':
      if (!right) return left.value === 0n ? 0 : 1;
      if (right.kind === 'int') return left.value === right.value ? 0 : left.value < right.value ? -1 : 1;
      return 1;
    case 'string': {
      if (!right) return cmp(comparableQualifier(left.value), RELEASE_INDEX);
      if (right.kind === 'string') return cmp(comparableQualifier(left.value), comparableQualifier(right.value));
      return -1;
    }
    case 'list': {
      if (!right) {
        // the whole list against nothing, not only its first item (MNG-6964)
        for (const item of left.items) {
          const result = compareItems(item, undefined);
          if (result) return result;
        }
        return 0;
      }
      if (right.kind === 'int') return -1;
      if (right.kind === 'string') return 1;
      const length = Math.max(left.items.length, right.items.length);
      for (let i = 0; i < length; i++) {
        const result = compareItems(left.items[i], right.items[i]);
        if (result) return result;
      }
      return 0;
    }
  }
}

const cmp = (a: string, b: string) => (a === b ? 0 : a < b ? -1 : 1);

export const mavenOrdering = ordering(parseMavenVersion, (a: Item, b: Item) => compareItems(a, b));
