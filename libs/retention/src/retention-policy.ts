import { InvalidError } from '@wharf/errors';
import { Minimatch } from 'minimatch';

/** Harbor's retention templates: what a rule keeps among the artifacts its selectors pick. */
export const TEMPLATES = ['latestPushedK', 'latestPulledN', 'nDaysSinceLastPush', 'nDaysSinceLastPull', 'always', 'nothing'] as const;
export type Template = (typeof TEMPLATES)[number];

/** Harbor's limit on rules per policy. */
export const MAX_RULES = 15;

export interface TagSelector {
  kind: 'doublestar';
  decoration: 'matches' | 'excludes';
  pattern: string;
  /** Harbor sends `{"untagged": true}` (sometimes as a JSON string): untagged artifacts are picked too */
  extras?: string | Record<string, unknown>;
}

export interface ScopeSelector {
  kind: 'doublestar';
  decoration: 'repoMatches' | 'repoExcludes';
  pattern: string;
}

export interface RetentionRule {
  id?: number;
  priority?: number;
  disabled?: boolean;
  action: 'retain';
  template: Template;
  /** keyed by the template's name: `{"latestPushedK": 10}` */
  params: Record<string, unknown>;
  tag_selectors: TagSelector[];
  scope_selectors: { repository: ScopeSelector[] };
}

export interface RetentionTrigger {
  kind: 'Schedule';
  settings: { cron?: string };
  references?: Record<string, unknown>;
}

/** A policy in Harbor's shape (`/retentions`). */
export interface RetentionPolicy {
  id: number;
  algorithm: 'or';
  rules: RetentionRule[];
  trigger: RetentionTrigger;
  scope: { level: 'project'; ref: number };
}

/** What a caller sends: a policy without its id. */
export type RetentionPolicyInput = Omit<RetentionPolicy, 'id'>;

/** GET /retentions/metadatas: the templates with their parameter, and the selectors. */
export const RETENTION_METADATA = {
  templates: [
    { rule_template: 'latestPushedK', display_text: 'the most recently pushed # artifacts', action: 'retain', params: [{ type: 'int', unit: 'COUNT', required: true }] },
    { rule_template: 'latestPulledN', display_text: 'the most recently pulled # artifacts', action: 'retain', params: [{ type: 'int', unit: 'COUNT', required: true }] },
    { rule_template: 'nDaysSinceLastPush', display_text: 'pushed within the last # days', action: 'retain', params: [{ type: 'int', unit: 'DAYS', required: true }] },
    { rule_template: 'nDaysSinceLastPull', display_text: 'pulled within the last # days', action: 'retain', params: [{ type: 'int', unit: 'DAYS', required: true }] },
    { rule_template: 'always', display_text: 'always', action: 'retain', params: [] },
    { rule_template: 'nothing', display_text: 'none', action: 'retain', params: [] },
  ],
  scope_selectors: [{ display_text: 'Repositories', kind: 'doublestar', decorations: ['repoMatches', 'repoExcludes'] }],
  tag_selectors: [{ display_text: 'Tags', kind: 'doublestar', decorations: ['matches', 'excludes'] }],
} as const;

const PARAM_TEMPLATES: readonly Template[] = ['latestPushedK', 'latestPulledN', 'nDaysSinceLastPush', 'nDaysSinceLastPull'];
const GLOB = { dot: true, nonegate: true, nocomment: true } as const;

/** Whether a tag selector also picks untagged artifacts (`extras: {"untagged": true}`, object or JSON string). */
export function picksUntagged(selector: TagSelector): boolean {
  let extras = selector.extras;
  if (typeof extras === 'string') {
    try {
      extras = JSON.parse(extras) as Record<string, unknown>;
    } catch {
      return false;
    }
  }
  return extras?.untagged === true;
}

// compiled once per pattern: a run matches every tag of every repository against the same few
const compiled = new Map<string, Minimatch>();
function globMatches(value: string, pattern: string): boolean {
  let glob = compiled.get(pattern);
  if (!glob) {
    if (compiled.size > 1000) compiled.clear();
    glob = new Minimatch(pattern, GLOB);
    compiled.set(pattern, glob);
  }
  return glob.match(value);
}

/** Whether a rule applies to a repository (its path inside the project, as Harbor matches it): every scope selector agrees. */
export function ruleCoversRepository(rule: RetentionRule, path: string): boolean {
  if (rule.disabled) return false;
  return rule.scope_selectors.repository.every((s) => (s.decoration === 'repoExcludes' ? !globMatches(path, s.pattern) : globMatches(path, s.pattern)));
}

/** The number a parameterised template takes; 0 for always/nothing. */
export function ruleParameter(rule: RetentionRule): number {
  return PARAM_TEMPLATES.includes(rule.template) ? Number(rule.params[rule.template]) : 0;
}

/**
 * Checks a policy body (what Harbor's API refuses, 400): the algorithm, the templates and their
 * parameter, the selectors, at most 15 rules, a project scope. The cron is checked by the schedule.
 */
export function checkPolicy(input: RetentionPolicyInput): void {
  const bad = (message: string): never => {
    throw new InvalidError('request', message);
  };
  if (input.algorithm !== 'or') bad(`algorithm must be "or"`);
  if (input.scope?.level !== 'project' || !Number.isInteger(input.scope.ref) || input.scope.ref < 1) bad('scope must be {"level":"project","ref":<project id>}');
  if (!Array.isArray(input.rules) || input.rules.length > MAX_RULES) bad(`a policy has at most ${MAX_RULES} rules`);
  for (const [index, rule] of input.rules.entries()) {
    const where = `rule ${index + 1}`;
    if (!TEMPLATES.includes(rule.template)) bad(`${where}: unknown template "${String(rule.template)}"; known: ${TEMPLATES.join(', ')}`);
    if (rule.action !== undefined && rule.action !== 'retain') bad(`${where}: action must be "retain"`);
    if (PARAM_TEMPLATES.includes(rule.template)) {
      const value = rule.params?.[rule.template];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1_000_000) bad(`${where}: params.${rule.template} must be a whole number from 0 to 1000000`);
    }
    if (!Array.isArray(rule.tag_selectors) || rule.tag_selectors.length === 0) bad(`${where}: tag_selectors needs at least one selector`);
    for (const s of rule.tag_selectors) {
      if (s.kind !== 'doublestar' || !['matches', 'excludes'].includes(s.decoration) || typeof s.pattern !== 'string' || !s.pattern) bad(`${where}: a tag selector is {"kind":"doublestar","decoration":"matches"|"excludes","pattern":...}`);
    }
    const repository = rule.scope_selectors?.repository;
    if (!Array.isArray(repository) || repository.length === 0) bad(`${where}: scope_selectors.repository needs at least one selector`);
    for (const s of repository) {
      if (s.kind !== 'doublestar' || !['repoMatches', 'repoExcludes'].includes(s.decoration) || typeof s.pattern !== 'string' || !s.pattern) bad(`${where}: a repository selector is {"kind":"doublestar","decoration":"repoMatches"|"repoExcludes","pattern":...}`);
    }
  }
  if (input.trigger && input.trigger.kind !== 'Schedule') bad('trigger.kind must be "Schedule"');
}

/** One artifact of a repository as a run sees it (its index children and accessories go with it, and are no candidates). */
export interface Candidate {
  id: number;
  digest: string;
  pushTime: Date;
  pullTime: Date | null;
  /** its tags, each with whether it was pushed after the run's snapshot (never removed) */
  tags: { name: string; fresh: boolean }[];
  /** an immutable-tag rule protects one of its tags: the artifact and every tag stay */
  immutable: boolean;
}

export type RetentionAction = 'RETAIN' | 'RETAIN(immutable)' | 'RETAIN(pushed during run)' | 'DELETE' | 'UNTAG';

/** What becomes of one artifact: deleted whole, or kept with some of its tags removed. */
export interface Decision {
  candidate: Candidate;
  /** the whole artifact goes (deep delete) */
  remove: boolean;
  /** tags removed from a kept artifact */
  untag: string[];
  /** one line per tag (or one for an untagged artifact): the action taken on it */
  lines: { tag: string | null; action: RetentionAction }[];
}

const DAY_MS = 86_400_000;

/** The candidates a rule's tag selectors pick, each with the tags it picked them through. */
function pick(rule: RetentionRule, candidates: readonly Candidate[]): Map<Candidate, string[]> {
  const picked = new Map<Candidate, string[]>();
  const untagged = rule.tag_selectors.every(picksUntagged);
  for (const candidate of candidates) {
    if (candidate.tags.length === 0) {
      if (untagged) picked.set(candidate, []);
      continue;
    }
    const through = candidate.tags
      .map((t) => t.name)
      .filter((name) => rule.tag_selectors.every((s) => (s.decoration === 'excludes' ? !globMatches(name, s.pattern) : globMatches(name, s.pattern))));
    if (through.length) picked.set(candidate, through);
  }
  return picked;
}

const byPushDesc = (a: Candidate, b: Candidate): number => b.pushTime.getTime() - a.pushTime.getTime() || b.id - a.id;
const lastPulled = (c: Candidate): number => c.pullTime?.getTime() ?? -Infinity;

/** What one rule keeps among what it picked. */
function kept(rule: RetentionRule, picked: Candidate[], now: Date): Candidate[] {
  const n = ruleParameter(rule);
  switch (rule.template) {
    case 'always':
      return picked;
    case 'nothing':
      return [];
    case 'latestPushedK':
      return [...picked].sort(byPushDesc).slice(0, n);
    case 'latestPulledN':
      return [...picked].sort((a, b) => lastPulled(b) - lastPulled(a) || byPushDesc(a, b)).slice(0, n);
    case 'nDaysSinceLastPush':
      return picked.filter((c) => c.pushTime.getTime() >= now.getTime() - n * DAY_MS);
    case 'nDaysSinceLastPull':
      // an artifact nobody pulled yet counts from its push: a fresh push is not "unpulled for N days"
      return picked.filter((c) => (c.pullTime ?? c.pushTime).getTime() >= now.getTime() - n * DAY_MS);
  }
}

/**
 * Harbor's "or" algorithm over one repository, at the tag level: an artifact stays when any rule
 * keeps it through any of its tags; of a kept artifact only the tags no rule kept it through are
 * removed (Harbor would keep them all); an untagged artifact stays only when a rule picking
 * untagged artifacts keeps it; everything else goes whole. An immutable artifact stays with every
 * tag, and so does every tag pushed after the run's snapshot (and the artifact it names).
 */
export function decide(rules: readonly RetentionRule[], candidates: readonly Candidate[], now: Date): Decision[] {
  const keptThrough = new Map<Candidate, Set<string>>();
  for (const rule of rules) {
    if (rule.disabled) continue;
    const picked = pick(rule, candidates);
    for (const candidate of kept(rule, [...picked.keys()], now)) {
      const through = keptThrough.get(candidate) ?? new Set<string>();
      for (const tag of picked.get(candidate)!) through.add(tag);
      keptThrough.set(candidate, through);
    }
  }
  return candidates.map((candidate): Decision => {
    const through = keptThrough.get(candidate);
    if (candidate.immutable) {
      return { candidate, remove: false, untag: [], lines: linesOf(candidate, () => 'RETAIN(immutable)') };
    }
    const fresh = candidate.tags.some((t) => t.fresh);
    if (!through && !fresh) return { candidate, remove: true, untag: [], lines: linesOf(candidate, () => 'DELETE') };
    const untag = candidate.tags.filter((t) => !t.fresh && !through?.has(t.name)).map((t) => t.name);
    const lines = linesOf(candidate, (tag) => {
      if (tag === null) return 'RETAIN';
      if (candidate.tags.find((t) => t.name === tag)!.fresh) return 'RETAIN(pushed during run)';
      return through?.has(tag) ? 'RETAIN' : 'UNTAG';
    });
    return { candidate, remove: false, untag, lines };
  });
}

function linesOf(candidate: Candidate, action: (tag: string | null) => RetentionAction): Decision['lines'] {
  if (candidate.tags.length === 0) return [{ tag: null, action: action(null) }];
  return [...candidate.tags].sort((a, b) => a.name.localeCompare(b.name)).map((t) => ({ tag: t.name, action: action(t.name) }));
}
