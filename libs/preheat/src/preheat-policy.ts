import { InvalidError } from '@wharf/errors';
import { nextFireTime } from '@wharf/jobs';

export type FilterType = 'repository' | 'tag' | 'label' | 'signature' | 'vulnerability';
/** Harbor's order of application: the cheap name filters first. */
export const FILTER_ORDER: readonly FilterType[] = ['repository', 'tag', 'label', 'signature', 'vulnerability'];

export type PolicyFilter =
  | { type: 'repository' | 'tag' | 'label'; value: string }
  | { type: 'signature'; value: boolean }
  | { type: 'vulnerability'; value: number };

export type TriggerType = 'manual' | 'scheduled' | 'event_based';
export interface PolicyTrigger {
  type: TriggerType;
  trigger_setting?: { cron?: string };
}

/** Harbor's PreheatPolicy as the API exchanges it: filters, trigger and extra_attrs are JSON strings. */
export interface PreheatPolicyView {
  id: number;
  name: string;
  description: string;
  project_id: number;
  provider_id: number;
  provider_name: string;
  filters: string;
  trigger: string;
  enabled: boolean;
  extra_attrs: string;
  creation_time: Date;
  update_time: Date;
}

/** A policy as the worker uses it, its strings parsed. */
export interface PreheatPolicy {
  id: number;
  name: string;
  projectId: number;
  projectName: string;
  providerId: number;
  filters: PolicyFilter[];
  trigger: PolicyTrigger;
  enabled: boolean;
  extraAttrs: Record<string, unknown>;
}

export interface PreheatPolicyInput {
  name: string;
  description?: string;
  provider_id?: number;
  /** Harbor's UI sends the instance's name too; either names the instance */
  provider_name?: string;
  filters?: string;
  trigger?: string;
  enabled?: boolean;
  extra_attrs?: string | Record<string, unknown>;
}

function parseJson(field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidError('request', `${field} is not valid JSON: ${text.slice(0, 200)}`);
  }
}

/**
 * Checks a policy's filters (Harbor's value types: strings for repository, tag and label — a
 * comma-separated list of label names, all required —, a boolean for signature, a severity code
 * for vulnerability: selected when the highest severity is below it) and returns them in
 * Harbor's order. One filter per type.
 */
export function parseFilters(text: string | undefined): PolicyFilter[] {
  if (text === undefined || text === '') return [];
  const raw = parseJson('filters', text);
  if (!Array.isArray(raw)) throw new InvalidError('request', 'filters must be a JSON array of {"type","value"}');
  const seen = new Set<string>();
  const filters: PolicyFilter[] = raw.map((item: { type?: unknown; value?: unknown }) => {
    const type = item?.type as FilterType;
    if (!FILTER_ORDER.includes(type)) throw new InvalidError('request', `unknown filter type ${String(item?.type)}; known: ${FILTER_ORDER.join(', ')}`);
    if (seen.has(type)) throw new InvalidError('request', `more than one ${type} filter`);
    seen.add(type);
    const value = item.value;
    if (type === 'signature') {
      if (typeof value !== 'boolean') throw new InvalidError('request', 'the signature filter takes a boolean value');
      return { type, value };
    }
    if (type === 'vulnerability') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 5) throw new InvalidError('request', 'the vulnerability filter takes a severity code 0-5 (None/Unknown 0, Negligible 1, Low 2, Medium 3, High 4, Critical 5)');
      return { type, value };
    }
    if (typeof value !== 'string' || value.length > 1024) throw new InvalidError('request', `the ${type} filter takes a string value`);
    return { type, value } as PolicyFilter;
  });
  return filters.sort((a, b) => FILTER_ORDER.indexOf(a.type) - FILTER_ORDER.indexOf(b.type));
}

/** Checks a trigger; a scheduled one needs a cron the scheduler runs (6 fields, seconds first). */
export function parseTrigger(text: string | undefined): PolicyTrigger {
  if (text === undefined || text === '') return { type: 'manual' };
  const raw = parseJson('trigger', text) as { type?: unknown; trigger_setting?: { cron?: unknown } };
  const type = raw?.type as TriggerType;
  if (!['manual', 'scheduled', 'event_based'].includes(type)) throw new InvalidError('request', `unknown trigger type ${String(raw?.type)}; known: manual, scheduled, event_based`);
  const cron = typeof raw.trigger_setting?.cron === 'string' ? raw.trigger_setting.cron.trim() : '';
  if (type === 'scheduled') {
    if (!cron) throw new InvalidError('request', 'a scheduled trigger needs trigger_setting.cron (6 fields, seconds first)');
    nextFireTime(cron);
    return { type, trigger_setting: { cron } };
  }
  return { type, trigger_setting: cron ? { cron } : {} };
}

export function parseExtraAttrs(value: string | Record<string, unknown> | undefined): Record<string, unknown> {
  if (value === undefined || value === '') return {};
  const raw = typeof value === 'string' ? parseJson('extra_attrs', value) : value;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidError('request', 'extra_attrs must be a JSON object');
  return raw as Record<string, unknown>;
}
