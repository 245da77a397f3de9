import { compareWith, expectAscending } from './ordering-test-helpers';
import { rpmOrdering, rpmvercmp } from './rpm-version';

describe('rpm version ordering (rpmvercmp, epoch:version-release)', () => {
  it('follows rpm\'s own rpmvercmp test cases', () => {
    const cases: [string, string, number][] = [
      ['1.0', '1.0', 0],
      ['1.0', '2.0', -1],
      ['2.0.1', '2.0.1a', -1],
      ['2.0.1a', '2.0.1', 1],
      ['5.5p1', '5.5p10', -1],
      ['10xyz', '10.1xyz', -1],
      ['xyz10', 'xyz10.1', -1],
      ['xyz.4', '8', -1],
      ['1b.fc17', '1.fc17', -1],
      ['1.0010', '1.9', 1],
      ['1.05', '1.5', 0],
      ['1.0', '1', 1],
      ['2.50', '2.5', 1],
      ['fc4', 'fc.4', 0],
      ['FC5', 'fc4', -1],
      ['2a', '2.0', -1],
      ['1.0', '1.fc4', 1],
      ['3.0.0_fc', '3.0.0.fc', 0],
      ['1++', '1_', 0],
      ['+', '_', 0],
      ['1.0~rc1', '1.0', -1],
      ['1.0~rc1', '1.0~rc2', -1],
      ['1.0~rc1~git123', '1.0~rc1', -1],
      ['1.0^', '1.0', 1],
      ['1.0^git1', '1.0', 1],
      ['1.0^git1', '1.01', -1],
      ['1.0^20160101', '1.0.1', -1],
      ['1.0^20160101^git1', '1.0^20160101', 1],
      ['1.0~rc1^git1', '1.0~rc1', 1],
      ['1.0^git1~pre', '1.0^git1', -1],
    ];
    for (const [a, b, expected] of cases) expect([a, b, Math.sign(rpmvercmp(a, b))]).toEqual([a, b, expected]);
  });

  it('compares the epoch first, then version, then release', () => {
    expectAscending(rpmOrdering, ['3.0.7-24.el9', '3.0.7-27.el9', '3.0.8-1.el9', '1:1.0-1.el9', '1:3.0.7-27.el9']);
    expect(compareWith(rpmOrdering, '0:1.20.4-1.el9', '1.20.4-1.el9')).toBe(0);
    expectAscending(rpmOrdering, ['1:1.20.4-1.el9', '1:1.20.4-2.el9', '1:1.20.4-2.el9_1']);
  });
});
