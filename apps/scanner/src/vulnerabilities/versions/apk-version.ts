import { ordering } from './version-ordering';

/**
 * Alpine's version ordering, a port of apk-tools' version.c: `1.2.3[a][_suffix[N]]...[-rN]`, where
 * the suffixes _alpha, _beta, _pre and _rc sort before the release and _cvs, _svn, _git, _hg and
 * _p after it, a letter after the digits sorts after the bare version, and `-rN` is the package
 * revision. Components after the first with leading zeros compare as apk does (1.05 < 1.5), except
 * for one apk-tools 2.x quirk (see getToken).
 */
enum Token {
  Invalid = -1,
  DigitOrZero = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  RevisionNo = 5,
  End = 6,
}

const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';

class Cursor {
  constructor(
    readonly text: string,
    public at = 0,
  ) {}
  get length(): number {
    return this.text.length - this.at;
  }
}

function nextToken(type: Token, blob: Cursor): Token {
  let next = Token.Invalid;
  const c = blob.text[blob.at];
  if (blob.length === 0) next = Token.End;
  else if ((type === Token.Digit || type === Token.DigitOrZero) && isLower(c)) next = Token.Letter;
  else if (type === Token.Letter && isDigit(c)) next = Token.Digit;
  else if (type === Token.Suffix && isDigit(c)) next = Token.SuffixNo;
  else {
    if (c === '.') next = Token.DigitOrZero;
    else if (c === '_') next = Token.Suffix;
    else if (c === '-' && blob.text[blob.at + 1] === 'r') {
      next = Token.RevisionNo;
      blob.at++;
    }
    blob.at++;
  }
  if (next < type) {
    const allowed =
      (next === Token.DigitOrZero && type === Token.Digit) || (next === Token.Suffix && type === Token.SuffixNo) || (next === Token.Digit && type === Token.Letter);
    if (!allowed) next = Token.Invalid;
  }
  return next;
}

/** Reads the token of `state.type` at the cursor, returns its value and moves `state.type` to the next token. */
function getToken(state: { type: Token }, blob: Cursor): number {
  let value = 0;
  let i = 0;
  let next = Token.Invalid;
  const s = blob.text.slice(blob.at);
  if (blob.length <= 0) {
    state.type = Token.End;
    return 0;
  }
  const leadingZero = state.type === Token.DigitOrZero && s[0] === '0';
  switch (leadingZero ? 'zeros' : state.type) {
    case 'zeros':
      while (i < s.length && s[i] === '0') i++;
      // apk-tools 2.x goes on as a digit even when none follows, which ranked 1.0_rc1 above 1.0;
      // here the separator after the zeros is read like any other
      if (isDigit(s[i])) next = Token.Digit;
      value = -i;
      break;
    case Token.DigitOrZero:
    case Token.Digit:
    case Token.SuffixNo:
    case Token.RevisionNo:
      while (i < s.length && isDigit(s[i])) value = value * 10 + (s.charCodeAt(i++) - 48);
      break;
    case Token.Letter:
      value = s.charCodeAt(0);
      i = 1;
      break;
    case Token.Suffix: {
      const pre = PRE_SUFFIXES.findIndex((suffix) => s.startsWith(suffix));
      if (pre >= 0) {
        i = PRE_SUFFIXES[pre].length;
        value = pre - PRE_SUFFIXES.length;
        next = Token.SuffixNo;
        break;
      }
      const post = POST_SUFFIXES.findIndex((suffix) => s.startsWith(suffix));
      if (post >= 0) {
        i = POST_SUFFIXES[post].length;
        value = post;
        next = Token.SuffixNo;
        break;
      }
      state.type = Token.Invalid;
      return -1;
    }
    default:
      state.type = Token.Invalid;
      return -1;
  }
  blob.at += i;
  if (blob.length === 0) state.type = Token.End;
  else if (next !== Token.Invalid) state.type = next;
  else state.type = nextToken(state.type, blob);
  return value;
}

export function compareApkVersions(a: string, b: string): number {
  const left = { type: Token.Digit };
  const right = { type: Token.Digit };
  const ac = new Cursor(a);
  const bc = new Cursor(b);
  let av = 0;
  let bv = 0;
  while (left.type === right.type && left.type !== Token.End && left.type !== Token.Invalid && av === bv) {
    av = getToken(left, ac);
    bv = getToken(right, bc);
  }
  if (av < bv) return -1;
  if (bv < av) return 1;
  if (left.type === right.type) return 0;
  // equal so far: the longer one is newer, unless what it has more is a pre-release suffix
  if (left.type === Token.Suffix && getToken({ type: Token.Suffix }, new Cursor(a, ac.at)) < 0) return -1;
  if (right.type === Token.Suffix && getToken({ type: Token.Suffix }, new Cursor(b, bc.at)) < 0) return 1;
  if (left.type > right.type) return -1;
  if (right.type > left.type) return 1;
  return 0;
}

/** apk-tools' apk_version_validate: the whole string reads as tokens up to the end. */
export function isValidApkVersion(version: string): boolean {
  if (!version || !isDigit(version[0])) return false;
  const state = { type: Token.Digit };
  const cursor = new Cursor(version);
  while (state.type !== Token.End && state.type !== Token.Invalid) getToken(state, cursor);
  return state.type === Token.End;
}

/** Alpine packages (apk). */
export const apkOrdering = ordering(
  (version: string) => (isValidApkVersion(version.trim()) ? version.trim() : null),
  compareApkVersions,
);
