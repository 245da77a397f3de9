import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { InvalidError, NotFoundError } from '@wharf/errors';
import type { ImmutableRule, RuleSelector } from './immutable-rule';
import { ImmutableTagGuard } from './immutable-tag-guard';

/** What a caller sends to create or replace a rule (Harbor's ImmutableRule body). */
export interface ImmutableRuleInput {
  priority?: number;
  disabled?: boolean;
  action?: string;
  template?: string;
  tag_selectors?: RuleSelector[];
  scope_selectors?: { repository?: RuleSelector[] };
}

/** Harbor caps the rules of a project at 15. */
export const MAX_RULES_PER_PROJECT = 15;

const COLUMNS = `id, project_id, priority, disabled, action, template, tag_selectors, scope_selectors`;

/** Immutable tag rules of a project: stored, listed, changed; every change drops the guard's cache. */
@Injectable()
export class ImmutableRuleService {
  constructor(
    private readonly sql: SqlClient,
    private readonly guard: ImmutableTagGuard,
  ) {}

  async list(projectId: number, page: { offset: number; limit: number }): Promise<{ items: ImmutableRule[]; total: number }> {
    const [{ total }] = await this.sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM immutable_tag_rule WHERE project_id = $1`, [projectId]);
    const rows = await this.sql.query<ImmutableRule>(
      `SELECT ${COLUMNS} FROM immutable_tag_rule WHERE project_id = $1 ORDER BY priority, id LIMIT $2 OFFSET $3`,
      [projectId, page.limit, page.offset],
    );
    return { items: rows.map(shape), total };
  }

  async get(projectId: number, id: number): Promise<ImmutableRule> {
    const rows = await this.sql.query<ImmutableRule>(`SELECT ${COLUMNS} FROM immutable_tag_rule WHERE project_id = $1 AND id = $2`, [projectId, id]);
    if (!rows[0]) throw new NotFoundError('immutable-rule', `immutable tag rule ${id} not found`);
    return shape(rows[0]);
  }

  async create(projectId: number, input: ImmutableRuleInput): Promise<ImmutableRule> {
    const rule = normalise(input);
    const created = await this.sql.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM project WHERE project_id = $1 FOR UPDATE`, [projectId]);
      const [{ count }] = await tx.query<{ count: number }>(`SELECT count(*)::int AS count FROM immutable_tag_rule WHERE project_id = $1`, [projectId]);
      if (count >= MAX_RULES_PER_PROJECT) throw new InvalidError('request', `a project has at most ${MAX_RULES_PER_PROJECT} immutable tag rules`);
      const rows = await tx.query<ImmutableRule>(
        `INSERT INTO immutable_tag_rule (project_id, priority, disabled, action, template, tag_selectors, scope_selectors)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [projectId, rule.priority, rule.disabled, rule.action, rule.template, JSON.stringify(rule.tag_selectors), JSON.stringify(rule.scope_selectors)],
      );
      return rows[0];
    });
    this.guard.invalidate();
    return shape(created);
  }

  /** Replaces a rule; a body with only `disabled` (Harbor's UI enabling/disabling a rule) keeps the selectors. */
  async update(projectId: number, id: number, input: ImmutableRuleInput): Promise<ImmutableRule> {
    const current = await this.get(projectId, id);
    const rule = normalise({
      priority: input.priority ?? current.priority,
      disabled: input.disabled ?? current.disabled,
      action: input.action ?? current.action,
      template: input.template ?? current.template,
      tag_selectors: input.tag_selectors ?? current.tag_selectors,
      scope_selectors: input.scope_selectors ?? current.scope_selectors,
    });
    const rows = await this.sql.query<ImmutableRule>(
      `UPDATE immutable_tag_rule SET priority = $3, disabled = $4, action = $5, template = $6, tag_selectors = $7, scope_selectors = $8, update_time = now()
        WHERE project_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [projectId, id, rule.priority, rule.disabled, rule.action, rule.template, JSON.stringify(rule.tag_selectors), JSON.stringify(rule.scope_selectors)],
    );
    if (!rows[0]) throw new NotFoundError('immutable-rule', `immutable tag rule ${id} not found`);
    this.guard.invalidate();
    return shape(rows[0]);
  }

  async delete(projectId: number, id: number): Promise<void> {
    const rows = await this.sql.query(`DELETE FROM immutable_tag_rule WHERE project_id = $1 AND id = $2 RETURNING id`, [projectId, id]);
    if (rows.length === 0) throw new NotFoundError('immutable-rule', `immutable tag rule ${id} not found`);
    this.guard.invalidate();
  }
}

function shape(row: ImmutableRule): ImmutableRule {
  return { ...row, params: {} };
}

/** Checks a rule's selectors: doublestar only, Harbor's decorations, a pattern each; one tag and one repository selector at least. */
function normalise(input: ImmutableRuleInput): Omit<ImmutableRule, 'id' | 'project_id' | 'params'> {
  const tagSelectors = input.tag_selectors ?? [];
  const repoSelectors = input.scope_selectors?.repository ?? [];
  if (tagSelectors.length === 0) throw new InvalidError('request', 'tag_selectors needs at least one selector');
  if (repoSelectors.length === 0) throw new InvalidError('request', 'scope_selectors.repository needs at least one selector');
  checkSelectors('tag_selectors', tagSelectors, ['matches', 'excludes']);
  checkSelectors('scope_selectors.repository', repoSelectors, ['repoMatches', 'repoExcludes']);
  const action = input.action ?? 'immutable';
  if (action !== 'immutable') throw new InvalidError('request', `unknown action "${action}"; the only action is "immutable"`);
  return {
    priority: input.priority ?? 0,
    disabled: input.disabled ?? false,
    action,
    template: input.template ?? 'immutable_template',
    tag_selectors: tagSelectors.map(({ kind, decoration, pattern }) => ({ kind, decoration, pattern })),
    scope_selectors: { repository: repoSelectors.map(({ kind, decoration, pattern }) => ({ kind, decoration, pattern })) },
  };
}

function checkSelectors(field: string, selectors: RuleSelector[], decorations: string[]): void {
  for (const selector of selectors) {
    if (selector.kind !== 'doublestar') throw new InvalidError('request', `${field}: unknown kind "${selector.kind}"; the only kind is "doublestar"`);
    if (!decorations.includes(selector.decoration)) throw new InvalidError('request', `${field}: decoration must be one of ${decorations.join(', ')}`);
    if (typeof selector.pattern !== 'string' || selector.pattern.length === 0) throw new InvalidError('request', `${field}: pattern must not be empty`);
  }
}
