import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { PreconditionError } from '@wharf/errors';
import { ruleApplies, type ImmutableRule } from './immutable-rule';

/** How long a project's rules are reused: the push path reads them without a query this long. */
const CACHE_TTL_MS = 3_000;
/** How many projects' rules are held at once: a push to one more forgets the least recently read. */
export const CACHED_PROJECTS_MAX = 1_000;

type CachedRules = { expires: number; rules: Promise<ImmutableRule[]> };

/**
 * The /v2 side of tag immutability: which of a push's or delete's tags an enabled rule of the
 * project protects. Rules are cached per project for a few seconds (pushes add no query), and
 * dropped at once in this process when they change; other replicas see a change within the TTL.
 * At most CACHED_PROJECTS_MAX projects are held, so a registry with many projects does not grow
 * the api's memory with every project ever pushed to.
 */
@Injectable()
export class ImmutableTagGuard {
  private readonly cache = new Map<string, CachedRules>();

  constructor(private readonly sql: SqlClient) {}

  /** The tags among `tags` in `repository` (full name, `project/path`) that are immutable, each with the rule that makes it so. */
  async immutableTags(repository: string, tags: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (tags.length === 0) return found;
    const { project, path } = split(repository);
    const rules = await this.rules(project);
    for (const tag of tags) {
      const rule = rules.find((r) => ruleApplies(r, path, tag));
      if (rule) found.set(tag, rule.id);
    }
    return found;
  }

  /** Whether the project has an enabled rule at all (a delete by digest then looks at the artifact's tags). */
  async hasRules(repository: string): Promise<boolean> {
    return (await this.rules(split(repository).project)).some((r) => !r.disabled);
  }

  /** Forgets cached rules (after a change in this process). */
  invalidate(): void {
    this.cache.clear();
  }

  private rules(project: string): Promise<ImmutableRule[]> {
    const now = Date.now();
    const cached = this.cache.get(project);
    if (cached && cached.expires > now) {
      // read again: to the end of the eviction order
      this.cache.delete(project);
      this.cache.set(project, cached);
      return cached.rules;
    }
    const rules = this.sql
      .query<ImmutableRule>(
        `SELECT r.id, r.project_id, r.priority, r.disabled, r.action, r.template, r.tag_selectors, r.scope_selectors
           FROM immutable_tag_rule r JOIN project p ON p.project_id = r.project_id
          WHERE p.name = $1 AND NOT r.disabled ORDER BY r.priority, r.id`,
        [project],
      )
      .catch((error: unknown) => {
        this.cache.delete(project);
        throw error;
      });
    this.cache.delete(project);
    this.cache.set(project, { expires: now + CACHE_TTL_MS, rules });
    if (this.cache.size > CACHED_PROJECTS_MAX) this.cache.delete(this.cache.keys().next().value!);
    return rules;
  }
}

/** The refusal of a push or delete of an immutable tag through /v2, worded as Harbor's registry words it. */
export function immutableTagError(repository: string, tag: string, ruleId: number, what: 'overwritten' | 'deleted'): PreconditionError {
  return new PreconditionError(
    'immutable',
    `Failed to process request due to '${repository}:${tag}' configured as immutable: tag ${tag} in ${repository} is immutable (rule ${ruleId}) and cannot be ${what}`,
    { details: { repository, tag, rule_id: ruleId } },
  );
}

function split(repository: string): { project: string; path: string } {
  const slash = repository.indexOf('/');
  return slash < 0 ? { project: repository, path: '' } : { project: repository.slice(0, slash), path: repository.slice(slash + 1) };
}
