import { loadConfig } from '@wharf/config';
import { DefaultRetentionPolicy } from './default-retention-policy';
import type { RetentionPolicies } from './retention-policies';

const policies = {} as RetentionPolicies;
const boot = (value: string | undefined) => {
  const policy = new DefaultRetentionPolicy(loadConfig(value === undefined ? {} : { RETENTION_DEFAULT_POLICY: value }), policies);
  policy.onModuleInit();
  return policy;
};
const rule = (template: string, params: Record<string, unknown> = {}) => ({
  template,
  params,
  tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
  scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
});

describe('RETENTION_DEFAULT_POLICY', () => {
  it('is optional', () => {
    expect(boot(undefined).configured).toBe(false);
  });

  it('takes Harbor’s body without scope', () => {
    expect(boot(JSON.stringify({ rules: [rule('latestPushedK', { latestPushedK: 5 })], trigger: { kind: 'Schedule', settings: { cron: '0 0 3 * * *' } } })).configured).toBe(true);
  });

  it('stops the boot when it does not parse, breaks a rule or has a bad cron', () => {
    expect(() => boot('{not json')).toThrow(/RETENTION_DEFAULT_POLICY is not JSON/);
    expect(() => boot(JSON.stringify({ rules: [rule('keepEverything')] }))).toThrow(/unknown template/);
    expect(() => boot(JSON.stringify({ rules: [rule('always')], trigger: { kind: 'Schedule', settings: { cron: 'daily' } } }))).toThrow(/invalid cron/);
  });
});
