import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCredentialKey, resolveCredentialKey } from './credential-key';

describe('credential key', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wharf-credential-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads 32 bytes as hex or base64, and refuses anything else without echoing it', () => {
    const key = randomBytes(32);
    expect(parseCredentialKey(key.toString('hex'), 'K')).toEqual(key);
    expect(parseCredentialKey(key.toString('base64'), 'K')).toEqual(key);
    expect(() => parseCredentialKey('too-short-secret', 'K')).toThrow(/^K must hold 32 bytes/);
    expect(() => parseCredentialKey('too-short-secret', 'K')).not.toThrow(/too-short-secret/);
  });

  it('prefers the key, then the key file, and generates nothing then', () => {
    const key = randomBytes(32);
    const generatedFile = join(dir, 'generated.key');
    expect(resolveCredentialKey({ key: key.toString('hex'), generatedFile }).key).toEqual(key);
    const keyFile = join(dir, 'mounted.key');
    writeFileSync(keyFile, `${key.toString('base64')}\n`);
    expect(resolveCredentialKey({ keyFile, generatedFile }).key).toEqual(key);
    expect(() => statSync(generatedFile)).toThrow();
  });

  it('generates a key once, mode 0600, and reuses it afterwards', () => {
    const generatedFile = join(dir, 'data', 'credential.key');
    const first = resolveCredentialKey({ generatedFile });
    expect(first.generated).toBe(true);
    expect(statSync(generatedFile).mode & 0o777).toBe(0o600);
    const second = resolveCredentialKey({ generatedFile });
    expect(second.generated).toBe(false);
    expect(second.key).toEqual(first.key);
    expect(readFileSync(generatedFile, 'utf8').trim()).toBe(first.key.toString('hex'));
  });
});
