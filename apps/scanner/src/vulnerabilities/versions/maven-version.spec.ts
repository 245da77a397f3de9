import { mavenOrdering } from './maven-version';
import { compareWith, expectAscending } from './ordering-test-helpers';

describe('Maven ordering (ComparableVersion)', () => {
  it('orders qualifiers alpha < beta < milestone < rc < snapshot < release < sp', () => {
    expectAscending(mavenOrdering, ['1-alpha-1', '1-alpha2', '1-beta1', '1-m1', '1-rc1', '1-SNAPSHOT', '1', '1-sp', '1-xyz', '1.1']);
    expectAscending(mavenOrdering, ['2.0-beta9', '2.0-rc1', '2.0', '2.3.1', '2.12.2', '2.15.0']);
  });

  it('treats trailing zeros and release qualifiers as the release', () => {
    expect(compareWith(mavenOrdering, '1.0', '1')).toBe(0);
    expect(compareWith(mavenOrdering, '1.0.0', '1-ga')).toBe(0);
    expect(compareWith(mavenOrdering, '1.0.Final', '1')).toBe(0);
    expect(compareWith(mavenOrdering, '1-cr1', '1-rc1')).toBe(0);
  });

  it('compares numbers by value', () => {
    expectAscending(mavenOrdering, ['2.9', '2.10', '2.10.1', '10']);
  });
});
