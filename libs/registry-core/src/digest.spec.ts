import { InvalidError } from '@wharf/errors';
import { digestOf, parseDigest } from './digest';

describe('parseDigest', () => {
  it('parses sha256 and sha512', () => {
    const d256 = digestOf(Buffer.from('x'));
    expect(parseDigest(d256)).toEqual({ algorithm: 'sha256', hex: d256.slice(7), digest: d256 });
    const d512 = digestOf(Buffer.from('x'), 'sha512');
    expect(parseDigest(d512).algorithm).toBe('sha512');
  });

  it.each([
    ['sha256:abc', 'digest'],
    ['sha256:' + 'A'.repeat(64), 'digest'],
    ['nonsense', 'digest'],
    ['md5:0123456789abcdef0123456789abcdef', 'digest-algorithm'],
  ])('refuses %s as an invalid %s', (value, reason) => {
    try {
      parseDigest(value);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidError);
      expect((error as InvalidError).reason).toBe(reason);
    }
  });
});
