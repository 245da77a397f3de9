import { ApiError } from './api-error';

export interface QueryTerm {
  key: string;
  /** '=' exact, '=~' fuzzy, '[a~b]' range, '{a b}' any of */
  kind: 'exact' | 'fuzzy' | 'range' | 'any';
  value: string;
  /** range bounds or the alternatives of 'any' */
  values?: string[];
}

/**
 * Parses Harbor's `q` parameter (`q=name=~foo,public=true,op_time=[2024-01-01~2024-02-01]`),
 * refusing keys the endpoint does not know with a 400 that names them.
 */
export function parseHarborQuery(q: string | undefined, allowed: readonly string[]): Map<string, QueryTerm> {
  const terms = new Map<string, QueryTerm>();
  if (!q) return terms;
  for (const part of splitTopLevel(decodeURIComponentSafe(q))) {
    const match = /^([A-Za-z_][A-Za-z0-9_.]*)(=~|=)(.*)$/s.exec(part.trim());
    if (!match) throw new ApiError('BAD_REQUEST', `q is malformed: "${part}" is not key=value, key=~value, key=[from~to] or key={a b}`);
    const [, key, operator, raw] = match;
    if (!allowed.includes(key)) throw new ApiError('BAD_REQUEST', `unknown query key "${key}"; known keys: ${allowed.join(', ') || 'none'}`);
    if (operator === '=~') {
      terms.set(key, { key, kind: 'fuzzy', value: raw });
    } else if (/^\[.*~.*\]$/s.test(raw)) {
      const [from, to] = raw.slice(1, -1).split('~');
      terms.set(key, { key, kind: 'range', value: raw, values: [from.trim(), to.trim()] });
    } else if (/^\{.*\}$/s.test(raw)) {
      terms.set(key, { key, kind: 'any', value: raw, values: raw.slice(1, -1).split(/\s+/).filter(Boolean) });
    } else {
      terms.set(key, { key, kind: 'exact', value: raw });
    }
  }
  return terms;
}

/** Why `q` is not Harbor's syntax (`key=value`, `key=~sub`, `key=[a~b]`, `key={a b}`, comma-separated), or null when it is. */
export function harborQuerySyntaxError(q: string): string | null {
  let depth = 0;
  for (const c of q) {
    if (c === '[' || c === '{' || c === '(') depth += 1;
    if (c === ']' || c === '}' || c === ')') depth -= 1;
    if (depth < 0) return `q is malformed: unbalanced brackets in "${q.slice(0, 100)}"`;
  }
  if (depth !== 0) return `q is malformed: unbalanced brackets in "${q.slice(0, 100)}"`;
  for (const part of splitTopLevel(decodeURIComponentSafe(q))) {
    if (!/^([A-Za-z_][A-Za-z0-9_.]*)(=~|=)(.*)$/s.test(part.trim())) return `q is malformed: "${part.slice(0, 100)}" is not key=value, key=~value, key=[from~to] or key={a b}`;
  }
  return null;
}

function splitTopLevel(q: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of q) {
    if (c === '[' || c === '{' || c === '(') depth += 1;
    if (c === ']' || c === '}' || c === ')') depth -= 1;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (current) parts.push(current);
  return parts;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
