import { randomBytes } from 'node:crypto';
import { CredentialCipher, CredentialSealError } from './credential-cipher';

describe('CredentialCipher', () => {
  const cipher = new CredentialCipher(randomBytes(32));

  it('opens what it sealed, and the sealed text holds no trace of the secret', () => {
    const sealed = cipher.seal('s3cr3t-pässword');
    expect(sealed).toMatch(/^v1:[0-9a-f]{16}:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('s3cr3t');
    expect(cipher.open(sealed)).toBe('s3cr3t-pässword');
  });

  it('seals the same secret differently each time (fresh IV)', () => {
    expect(cipher.seal('same')).not.toBe(cipher.seal('same'));
  });

  it('names both keys when another key sealed the value', () => {
    const other = new CredentialCipher(randomBytes(32));
    const sealed = other.seal('secret');
    expect(() => cipher.open(sealed)).toThrow(CredentialSealError);
    expect(() => cipher.open(sealed)).toThrow(new RegExp(`sealed with key ${other.keyId}.*configured .* is ${cipher.keyId}`));
  });

  it('refuses an altered ciphertext or a swapped key id instead of returning garbage', () => {
    const parts = cipher.seal('secret').split(':');
    const flipped = Buffer.from(parts[4], 'base64');
    flipped[0] ^= 1;
    expect(() => cipher.open([...parts.slice(0, 4), flipped.toString('base64')].join(':'))).toThrow(/altered or truncated/);
    expect(() => cipher.open(['v2', ...parts.slice(1)].join(':'))).toThrow(/known format/);
  });

  it('accepts only 32-byte keys', () => {
    expect(() => new CredentialCipher(randomBytes(16))).toThrow(/32 bytes/);
  });
});
