import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CREDENTIAL_KEY_BYTES } from './credential-cipher';

/** Where the key comes from; the generated file only when nothing is configured. */
export interface CredentialKeySettings {
  key?: string;
  keyFile?: string;
  generatedFile: string;
}

export interface ResolvedCredentialKey {
  key: Buffer;
  /** a key was written to settings.generatedFile just now */
  generated: boolean;
  source: string;
}

/** 32 bytes as 64 hex characters or as base64; anything else is refused without echoing it. */
export function parseCredentialKey(text: string, source: string): Buffer {
  const value = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (key.length !== CREDENTIAL_KEY_BYTES) throw new Error(`${source} must hold ${CREDENTIAL_KEY_BYTES} bytes as 64 hex characters or base64`);
  return key;
}

/**
 * REGISTRY_CREDENTIAL_KEY, else REGISTRY_CREDENTIAL_KEY_FILE, else the generated file (created
 * once, mode 0600). The file appears complete or not at all (written aside, then hard-linked,
 * which fails if it exists), so an api and a worker starting together end up with the same key:
 * whoever loses the race reads the winner's file.
 */
export function resolveCredentialKey(settings: CredentialKeySettings): ResolvedCredentialKey {
  if (settings.key) return { key: parseCredentialKey(settings.key, 'REGISTRY_CREDENTIAL_KEY'), generated: false, source: 'REGISTRY_CREDENTIAL_KEY' };
  if (settings.keyFile) {
    return { key: parseCredentialKey(readFileSync(settings.keyFile, 'utf8'), `REGISTRY_CREDENTIAL_KEY_FILE (${settings.keyFile})`), generated: false, source: settings.keyFile };
  }
  const file = settings.generatedFile;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, `${randomBytes(CREDENTIAL_KEY_BYTES).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  let generated = true;
  try {
    linkSync(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    generated = false;
  } finally {
    unlinkSync(aside);
  }
  return { key: parseCredentialKey(readFileSync(file, 'utf8'), file), generated, source: file };
}
