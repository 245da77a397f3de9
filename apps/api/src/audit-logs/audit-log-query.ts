import type { AuditLogFilter, TextMatch } from '@wharf/audit';
import { ApiError } from '../management/api-error';
import { parseHarborQuery, type QueryTerm } from '../management/harbor-query';
import { offsetOf, type PageQuery } from '../management/pagination';

export const AUDIT_LOG_QUERY_KEYS = ['username', 'operation', 'resource_type', 'resource', 'op_time'] as const;

/**
 * Harbor's `q` for audit logs: `username` and `resource` exact or fuzzy (`=~`), `operation` and
 * `resource_type` exact or any of (`{create delete}`), `op_time` a range `[from~to]` of dates
 * (`2024-01-31`, a whole day) or date-times (`2024-01-31 12:00:00`, `2024-01-31T12:00:00+02:00`;
 * UTC unless a zone is given), either end may be left open.
 */
export function auditLogFilter(query: PageQuery, projectId?: number): AuditLogFilter {
  const terms = parseHarborQuery(query.q, AUDIT_LOG_QUERY_KEYS);
  const filter: AuditLogFilter = { offset: offsetOf(query), limit: query.page_size };
  if (projectId !== undefined) filter.projectId = projectId;
  const username = terms.get('username');
  if (username) filter.username = textMatch(username);
  const resource = terms.get('resource');
  if (resource) filter.resource = textMatch(resource);
  const operation = terms.get('operation');
  if (operation) filter.operations = anyOf(operation);
  const resourceType = terms.get('resource_type');
  if (resourceType) filter.resourceTypes = anyOf(resourceType);
  const opTime = terms.get('op_time');
  if (opTime) Object.assign(filter, timeRange(opTime));
  return filter;
}

function textMatch(term: QueryTerm): TextMatch {
  if (term.kind === 'exact' || term.kind === 'fuzzy') return { value: term.value, fuzzy: term.kind === 'fuzzy' };
  throw new ApiError('BAD_REQUEST', `${term.key} takes ${term.key}=value or ${term.key}=~value`);
}

function anyOf(term: QueryTerm): string[] {
  if (term.kind === 'exact') return [term.value];
  if (term.kind === 'any' && term.values?.length) return term.values;
  throw new ApiError('BAD_REQUEST', `${term.key} takes ${term.key}=value or ${term.key}={value1 value2}`);
}

function timeRange(term: QueryTerm): { from?: Date; to?: Date } {
  const bounds = term.kind === 'range' ? /^\[([^~]*)~([^~]*)\]$/s.exec(term.value) : null;
  if (!bounds) throw new ApiError('BAD_REQUEST', 'op_time takes a range: op_time=[from~to]');
  const [from, to] = [bounds[1].trim(), bounds[2].trim()];
  if (!from && !to) throw new ApiError('BAD_REQUEST', 'op_time=[from~to] needs at least one bound');
  const range = { from: from ? parseInstant(from, 'start') : undefined, to: to ? parseInstant(to, 'end') : undefined };
  if (range.from && range.to && range.from > range.to) throw new ApiError('BAD_REQUEST', 'op_time range ends before it starts');
  return range;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A date alone means the whole day: its start as a lower bound, its last millisecond as an upper one. */
function parseInstant(text: string, end: 'start' | 'end'): Date {
  const match = DATE_TIME.exec(text);
  const invalid = () => new ApiError('BAD_REQUEST', `op_time: "${text}" is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DD HH:MM[:SS][zone])`);
  if (!match) throw invalid();
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour ?? '0', minute ?? '0', second ?? '0'].map(Number);
  // reject what Date would silently roll over (2024-02-30, 25:00)
  const calendar = new Date(Date.UTC(y, mo - 1, d));
  if (calendar.getUTCMonth() !== mo - 1 || calendar.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw invalid();
  if (hour === undefined) return new Date(calendar.getTime() + (end === 'end' ? 86_400_000 - 1 : 0));
  const millis = fraction ? Math.floor(Number(fraction) * 1000) : 0;
  const offsetMinutes = !zone || zone.toUpperCase() === 'Z' ? 0 : zoneMinutes(zone);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, millis) - offsetMinutes * 60_000);
}

function zoneMinutes(zone: string): number {
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return zone.startsWith('-') ? -minutes : minutes;
}
