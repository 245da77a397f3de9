import { digestOf, parseDigest } from './digest';
import { OciError } from './oci-error';

describe('parseDigest', () => {
  it('parses sha256 and sha512', () => {
    const d256 = digestOf(Buffer.from('x'));
    expect(parseDigest(d256)).toEqual({ algorithm: 'sha256', hex: d256.slice(7), digest: d256 });
    const d512 = digestOf(Buffer.from('x'), 'sha512');
    expect(parseDigest(d512).algorithm).toBe('sha512');
  });

  it.each([
    ['sha256:abc', 'DIGEST_INVALID'],
    ['sha256:' + 'A'.repeat(64), 'DIGEST_INVALID'],
    ['nonsense', 'DIGEST_INVALID'],
    ['md5:0123456789abcdef0123456789abcdef', 'UNSUPPORTED'],
  ])('refuses %s with %s', (value, code) => {
    try {
      parseDigest(value);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(OciError);
      expect((error as OciError).code).toBe(code);
    }
  });
});
