import { InvalidError } from '@wharf/errors';
import { isValidTag, parseRepositoryName } from './repository-name';

describe('parseRepositoryName', () => {
  it.each(['library/busybox', 'a/b/c', 'my-org/app_1', 'x/a__b', 'p/a.b-c', 'p/a---b'])('accepts %s', (name) => {
    expect(parseRepositoryName(name).name).toBe(name);
  });

  it('takes the project from the first segment', () => {
    expect(parseRepositoryName('team/apps/web').project).toBe('team');
  });

  it.each(['Library/x', 'a//b', 'a/b/', '/a/b', 'a/.b', 'a/b..c', 'a/b_', 'alone', 'a/b___c', `a/${'b'.repeat(254)}`])('refuses %s as an invalid name', (name) => {
    expect(() => parseRepositoryName(name)).toThrow(InvalidError);
    try {
      parseRepositoryName(name);
    } catch (error) {
      expect((error as InvalidError).reason).toBe('name');
    }
  });
});

describe('isValidTag', () => {
  it.each(['latest', 'v1.2.3', '_x', 'A-b_c.d', 'a'.repeat(128)])('accepts %s', (tag) => expect(isValidTag(tag)).toBe(true));
  it.each(['', '-x', '.x', 'a'.repeat(129), 'a/b', 'a:b'])('refuses %s', (tag) => expect(isValidTag(tag)).toBe(false));
});
