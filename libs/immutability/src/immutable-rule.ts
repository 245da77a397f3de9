import { minimatch } from 'minimatch';

/** Harbor's selector: doublestar glob, `matches`/`excludes` for tags, `repoMatches`/`repoExcludes` for repositories. */
export interface RuleSelector {
  kind: 'doublestar';
  decoration: 'matches' | 'excludes' | 'repoMatches' | 'repoExcludes';
  pattern: string;
}

/** An immutable tag rule in Harbor's shape (`/projects/{p}/immutabletagrules`). */
export interface ImmutableRule {
  id: number;
  project_id: number;
  priority: number;
  disabled: boolean;
  action: string;
  template: string;
  params: Record<string, unknown>;
  tag_selectors: RuleSelector[];
  scope_selectors: { repository: RuleSelector[] };
}

const GLOB_OPTIONS = { dot: true, nonegate: true, nocomment: true } as const;

/** One selector against a value: a `*Excludes` decoration turns the match around. */
export function selectorMatches(selector: RuleSelector, value: string): boolean {
  const matched = minimatch(value, selector.pattern, GLOB_OPTIONS);
  return selector.decoration === 'excludes' || selector.decoration === 'repoExcludes' ? !matched : matched;
}

/**
 * Whether an enabled rule makes `tag` in `repository` immutable. `repository` is the path
 * inside the project (`a/b` for `proj/a/b`), as Harbor matches it; every selector must agree.
 */
export function ruleApplies(rule: Pick<ImmutableRule, 'disabled' | 'tag_selectors' | 'scope_selectors'>, repository: string, tag: string): boolean {
  if (rule.disabled) return false;
  return rule.scope_selectors.repository.every((s) => selectorMatches(s, repository)) && rule.tag_selectors.every((s) => selectorMatches(s, tag));
}
