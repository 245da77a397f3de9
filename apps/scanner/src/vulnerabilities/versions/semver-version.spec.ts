import { compareWith, expectAscending } from './ordering-test-helpers';
import { semverOrdering } from './semver-version';

describe('semver ordering (npm)', () => {
  it('orders prereleases before their release, identifiers numerically then lexically', () => {
    expectAscending(semverOrdering, ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']);
    expectAscending(semverOrdering, ['4.17.15', '4.17.19', '4.17.20', '4.17.21', '4.18.0-0', '4.18.0']);
  });

  it('ignores build metadata', () => {
    expect(compareWith(semverOrdering, '1.0.0+build.1', '1.0.0+build.2')).toBe(0);
  });

  it('refuses what is not a version', () => {
    expect(semverOrdering.parse('latest')).toBeNull();
    expect(semverOrdering.parse('git+https://example.com/x.git')).toBeNull();
  });
});
