import { apkOrdering, isValidApkVersion } from './apk-version';
import { compareWith, expectAscending } from './ordering-test-helpers';

describe('apk version ordering (apk-tools version.c)', () => {
  it('orders the pre-release suffixes before the release and the post-release ones after it', () => {
    expectAscending(apkOrdering, ['1.0_alpha', '1.0_alpha2', '1.0_beta', '1.0_beta3', '1.0_pre1', '1.0_rc1', '1.0_rc2', '1.0', '1.0_cvs', '1.0_svn', '1.0_git20230101', '1.0_hg', '1.0_p1', '1.0_p2']);
  });

  it('orders -rN revisions numerically, a bare version before -r0', () => {
    expectAscending(apkOrdering, ['1.0', '1.0-r0', '1.0-r1', '1.0-r2', '1.0-r10']);
    expectAscending(apkOrdering, ['1.36.1-r29', '1.36.1-r30', '1.36.2-r0']);
    expectAscending(apkOrdering, ['3.0.9-r3', '3.0.12-r0', '3.1.3-r0', '3.1.4-r0', '3.1.4-r1', '3.1.4-r5']);
  });

  it('puts a letter after the digits above the bare version and below the next number', () => {
    expectAscending(apkOrdering, ['1.2.3', '1.2.3_p1', '1.2.3a', '1.2.3b', '1.2.4']);
    expectAscending(apkOrdering, ['1.1.1s-r0', '1.1.1t-r0', '1.1.1t-r1', '1.1.1u-r0']);
  });

  it('compares numbers by value and keeps apk\'s rule for leading zeros', () => {
    expectAscending(apkOrdering, ['2.9.9', '2.10', '2.10.1', '10.0']);
    expect(compareWith(apkOrdering, '1.05', '1.5')).toBe(-1);
    expect(compareWith(apkOrdering, '1.0_rc1-r0', '1.0_rc1-r0')).toBe(0);
  });

  it('refuses what apk would not accept', () => {
    expect(isValidApkVersion('1.2.3_rc1-r4')).toBe(true);
    expect(isValidApkVersion('1.2.3_foo')).toBe(false);
    expect(isValidApkVersion('1.0-1')).toBe(false);
    expect(isValidApkVersion('v1.0')).toBe(false);
    expect(apkOrdering.parse('')).toBeNull();
  });
});
