import { compareWith, expectAscending } from './ordering-test-helpers';
import { pep440Ordering } from './pep440-version';

describe('PEP 440 ordering (PyPI)', () => {
  it('orders dev, pre, release, local and post releases as PEP 440 says', () => {
    expectAscending(pep440Ordering, ['1.0.dev1', '1.0a1.dev1', '1.0a1', '1.0a1.post1.dev1', '1.0a2', '1.0b1', '1.0rc1', '1.0', '1.0+local.1', '1.0+local.2', '1.0.post1.dev0', '1.0.post1', '1.1.dev1', '1.1']);
  });

  it('lets the epoch dominate', () => {
    expectAscending(pep440Ordering, ['2024.1', '1!0.1', '1!1.0']);
  });

  it('normalises alternative spellings', () => {
    expect(compareWith(pep440Ordering, '1.0-1', '1.0.post1')).toBe(0);
    expect(compareWith(pep440Ordering, '1.0_RC1', '1.0rc1')).toBe(0);
    expect(compareWith(pep440Ordering, '1.0', '1.0.0')).toBe(0);
    expect(compareWith(pep440Ordering, 'v2.31.0', '2.31.0')).toBe(0);
  });

  it('refuses what is not a PEP 440 version', () => {
    expect(pep440Ordering.parse('not.a.version!')).toBeNull();
  });
});
