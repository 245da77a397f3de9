import { checkPolicy, decide, type Candidate, type RetentionRule } from './retention-policy';

const NOW = new Date('2026-01-31T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
let next = 0;
const artifact = (tags: string[], pushedDaysAgo: number, pulledDaysAgo: number | null = null, extra: Partial<Candidate> = {}): Candidate => ({
  id: ++next,
  digest: `sha256:${next}`,
  pushTime: daysAgo(pushedDaysAgo),
  pullTime: pulledDaysAgo === null ? null : daysAgo(pulledDaysAgo),
  tags: tags.map((name) => ({ name, fresh: false })),
  immutable: false,
  ...extra,
});
const rule = (template: RetentionRule['template'], value?: number, pattern = '**', untagged = false, decoration: 'matches' | 'excludes' = 'matches'): RetentionRule => ({
  action: 'retain',
  template,
  params: value === undefined ? {} : { [template]: value },
  tag_selectors: [{ kind: 'doublestar', decoration, pattern, extras: untagged ? { untagged: true } : undefined }],
  scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
});
const removed = (decisions: ReturnType<typeof decide>) => decisions.filter((d) => d.remove).map((d) => d.candidate.tags.map((t) => t.name).join(',') || d.candidate.digest);

describe('retention decisions', () => {
  it('latestPushedK keeps the K most recently pushed', () => {
    const c = [artifact(['a'], 3), artifact(['b'], 2), artifact(['c'], 1)];
    expect(removed(decide([rule('latestPushedK', 2)], c, NOW))).toEqual(['a']);
  });

  it('latestPulledN keeps the N most recently pulled; never pulled comes last', () => {
    const c = [artifact(['a'], 1, null), artifact(['b'], 9, 1), artifact(['c'], 9, 5)];
    expect(removed(decide([rule('latestPulledN', 2)], c, NOW))).toEqual(['a']);
  });

  it('nDaysSinceLastPush and nDaysSinceLastPull judge by age; an unpulled artifact counts from its push', () => {
    const c = [artifact(['old'], 10), artifact(['new'], 1), artifact(['pulled'], 10, 2)];
    expect(removed(decide([rule('nDaysSinceLastPush', 5)], c, NOW))).toEqual(['old', 'pulled']);
    expect(removed(decide([rule('nDaysSinceLastPull', 5)], c, NOW))).toEqual(['old']);
  });

  it('always keeps what its selectors pick, nothing keeps none; untagged artifacts follow the untagged extra', () => {
    const c = [artifact(['v1'], 1), artifact(['dev'], 1), artifact([], 1)];
    expect(removed(decide([rule('always', undefined, 'v*')], c, NOW))).toEqual(['dev', 'sha256:' + c[2].id]);
    expect(removed(decide([rule('always', undefined, 'v*', true)], c, NOW))).toEqual(['dev']);
    expect(removed(decide([rule('nothing', undefined, '**', true)], c, NOW))).toHaveLength(3);
    expect(removed(decide([rule('always', undefined, 'dev', false, 'excludes')], c, NOW))).toEqual(['dev', 'sha256:' + c[2].id]);
  });

  it('reads the untagged extra as Harbor sends it too (a JSON string)', () => {
    const untagged = artifact([], 1);
    const asString: RetentionRule = { ...rule('always'), tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: '{"untagged":true}' }] };
    expect(removed(decide([asString], [untagged], NOW))).toEqual([]);
    expect(removed(decide([{ ...asString, tag_selectors: [{ ...asString.tag_selectors[0], extras: '{"untagged":false}' }] }], [untagged], NOW))).toHaveLength(1);
  });

  it('rules combine with or; of a kept artifact only the tags no rule kept it through go', () => {
    const shared = artifact(['v1', 'latest', 'tmp'], 1);
    const decisions = decide([rule('always', undefined, 'v*'), rule('always', undefined, 'latest')], [shared], NOW);
    expect(decisions[0].remove).toBe(false);
    expect(decisions[0].untag).toEqual(['tmp']);
    expect(decisions[0].lines).toEqual([
      { tag: 'latest', action: 'RETAIN' },
      { tag: 'tmp', action: 'UNTAG' },
      { tag: 'v1', action: 'RETAIN' },
    ]);
  });

  it('never removes an immutable artifact or a tag pushed after the snapshot', () => {
    const immutable = artifact(['prod'], 100, null, { immutable: true });
    const fresh = artifact(['old', 'new'], 100, null, { tags: [{ name: 'old', fresh: false }, { name: 'new', fresh: true }] });
    const decisions = decide([rule('nothing')], [immutable, fresh], NOW);
    expect(decisions.map((d) => d.remove)).toEqual([false, false]);
    expect(decisions[0].lines).toEqual([{ tag: 'prod', action: 'RETAIN(immutable)' }]);
    expect(decisions[1].untag).toEqual(['old']);
  });

  it('refuses bodies Harbor refuses', () => {
    const ok = { algorithm: 'or' as const, rules: [rule('latestPushedK', 3)], trigger: { kind: 'Schedule' as const, settings: {} }, scope: { level: 'project' as const, ref: 1 } };
    expect(() => checkPolicy(ok)).not.toThrow();
    expect(() => checkPolicy({ ...ok, rules: [{ ...rule('latestPushedK', 3), params: {} }] })).toThrow(/params.latestPushedK/);
    expect(() => checkPolicy({ ...ok, rules: Array.from({ length: 16 }, () => rule('always')) })).toThrow(/at most 15/);
    expect(() => checkPolicy({ ...ok, rules: [{ ...rule('always'), template: 'keepAll' as never }] })).toThrow(/unknown template/);
    expect(() => checkPolicy({ ...ok, scope: { level: 'system' as never, ref: 1 } })).toThrow(/scope/);
  });
});
