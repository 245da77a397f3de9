import { goOrdering } from './go-version';
import { compareWith, expectAscending } from './ordering-test-helpers';

describe('Go version ordering', () => {
  it('reads module versions with or without the v prefix alike', () => {
    expect(compareWith(goOrdering, 'v0.17.0', '0.17.0')).toBe(0);
    expectAscending(goOrdering, ['v0.15.0', 'v0.16.0', 'v0.17.0', 'v1.0.0-rc.1', 'v1.0.0']);
  });

  it('sorts pseudo-versions as prereleases of the version they precede', () => {
    expectAscending(goOrdering, [
      'v0.0.0-20191109021931-daa7c04131f5',
      'v0.0.0-20230905200255-921286631fa9',
      'v0.1.0',
      'v1.2.3',
      'v1.2.4-0.20191109021931-daa7c04131f5',
      'v1.2.4',
    ]);
  });

  it('ignores +incompatible', () => {
    expect(compareWith(goOrdering, 'v2.0.0+incompatible', '2.0.0')).toBe(0);
  });

  it('reads the toolchain spellings of the standard library', () => {
    expectAscending(goOrdering, ['go1.20.9', '1.20.10', '1.21.0-0', 'go1.21rc2', 'go1.21', '1.21.1', 'go1.21.3']);
    expect(compareWith(goOrdering, 'go1.21', '1.21.0')).toBe(0);
  });

  it('refuses a development build', () => {
    expect(goOrdering.parse('(devel)')).toBeNull();
  });
});
