import { ruleApplies, type RuleSelector } from './immutable-rule';

const rule = (tag: RuleSelector, repository: RuleSelector = { kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }) => ({
  disabled: false,
  tag_selectors: [tag],
  scope_selectors: { repository: [repository] },
});

describe('immutable tag rule matching (doublestar, as Harbor)', () => {
  it.each([
    ['matches', 'v1.*', 'v1.0', true],
    ['matches', 'v1.*', 'v2.0', false],
    ['matches', '**', 'latest', true],
    ['matches', '{v1,latest}', 'latest', true],
    ['excludes', 'dev-*', 'dev-1', false],
    ['excludes', 'dev-*', 'v1', true],
  ] as const)('tag %s %s on %s: %s', (decoration, pattern, tag, expected) => {
    expect(ruleApplies(rule({ kind: 'doublestar', decoration, pattern }), 'app', tag)).toBe(expected);
  });

  it.each([
    ['repoMatches', '**', 'a/b/c', true],
    ['repoMatches', '*', 'a/b', false],
    ['repoMatches', 'a/**', 'a/b/c', true],
    ['repoMatches', 'app', 'app', true],
    ['repoExcludes', 'tmp/**', 'tmp/x', false],
    ['repoExcludes', 'tmp/**', 'app', true],
  ] as const)('repository %s %s on %s: %s', (decoration, pattern, repository, expected) => {
    expect(ruleApplies(rule({ kind: 'doublestar', decoration: 'matches', pattern: '**' }, { kind: 'doublestar', decoration, pattern }), repository, 'v1')).toBe(expected);
  });

  it('ignores a disabled rule', () => {
    expect(ruleApplies({ ...rule({ kind: 'doublestar', decoration: 'matches', pattern: '**' }), disabled: true }, 'app', 'v1')).toBe(false);
  });
});
