import { dpkgOrdering } from './dpkg-version';
import { compareWith, expectAscending } from './ordering-test-helpers';

describe('dpkg version ordering (deb-version(7), dpkg verrevcmp)', () => {
  it('orders tilde before everything, even the end of the string', () => {
    expectAscending(dpkgOrdering, ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a', '1.0+', '1.0.1']);
    expectAscending(dpkgOrdering, ['1.0~rc1', '1.0~rc2', '1.0', '1.0+b1']);
  });

  it('lets the epoch dominate and treats a missing epoch as 0', () => {
    expectAscending(dpkgOrdering, ['9.9-9', '1:0.1-1', '1:1.0-1', '2:0']);
    expect(compareWith(dpkgOrdering, '0:1.0-1', '1.0-1')).toBe(0);
    expect(compareWith(dpkgOrdering, '9.2p1-2+deb12u3', '1:9.2p1-2+deb12u3')).toBe(-1);
  });

  it('compares digit runs by value and the revision after the upstream version', () => {
    expectAscending(dpkgOrdering, ['1.9', '1.10', '1.010.1']);
    expectAscending(dpkgOrdering, ['1.0-1', '1.0-1+b1', '1.0-2', '1.0-10', '1.0.0-1']);
    expect(compareWith(dpkgOrdering, '1.0', '1.0-0')).toBe(0);
    expect(compareWith(dpkgOrdering, '1.0-1', '1.0-01')).toBe(0);
  });

  it('orders the security and backport suffixes Debian uses', () => {
    expectAscending(dpkgOrdering, ['1.1.1n-0+deb11u3', '1.1.1n-0+deb11u4', '1.1.1n-0+deb11u5', '1.1.1w-0+deb11u1']);
    expectAscending(dpkgOrdering, ['3.0.11-1~deb12u1', '3.0.11-1~deb12u2', '3.0.11-1', '3.0.14-1~deb12u1']);
    expectAscending(dpkgOrdering, ['2.36-9', '2.36-9+deb12u4', '2.36-9+deb12u10']);
    expectAscending(dpkgOrdering, ['6.1.0-0~bpo11+1', '6.1.0-1~bpo11+1', '6.1.0-1~bpo11+2', '6.1.0-1']);
  });

  it('keeps hyphens of the upstream version (the revision is after the last one) and letters before non-letters', () => {
    expectAscending(dpkgOrdering, ['1.0-beta-1', '1.0-beta-2', '1.0-gamma-1']);
    expectAscending(dpkgOrdering, ['1.0A', '1.0a', '1.0.']);
  });

  it('refuses what is not a Debian version', () => {
    expect(dpkgOrdering.parse('')).toBeNull();
    expect(dpkgOrdering.parse('a:1.0')).toBeNull();
    expect(dpkgOrdering.parse('1.0 2')).toBeNull();
  });
});
