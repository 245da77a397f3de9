import { InvalidError } from '@wharf/errors';
import { DEFAULT_REGISTRY_URLS } from './upstream/default-registry-urls';
import { CREDENTIAL_TYPES, REGISTRY_TYPES, type CredentialType, type RegistryCredential, type RegistryType } from './registry-endpoint';

/** What reads show in place of a stored secret; sent back on an update it means "keep it". */
export const MASKED_SECRET = '*****';


/** A credential as a client sends it; the secret may be MASKED_SECRET or absent on an update. */
export interface CredentialInput {
  type?: CredentialType;
  accessKey?: string;
  accessSecret?: string;
}

export interface RegistryInput {
  name: string;
  description?: string;
  type: RegistryType;
  url?: string;
  insecure?: boolean;
  /** null or absent: no credential (anonymous pulls) */
  credential?: CredentialInput | null;
}

export function checkRegistryType(type: string): RegistryType {
  if (!(REGISTRY_TYPES as readonly string[]).includes(type)) throw new InvalidError('request', `unknown registry type ${type}; known: ${REGISTRY_TYPES.join(', ')}`);
  return type as RegistryType;
}

/** An http(s) URL without trailing slashes, query or fragment; a hosted type's own (docker-hub: https://registry-1.docker.io) when empty. */
export function normaliseRegistryUrl(type: RegistryType, url: string | undefined): string {
  const given = (url ?? '').trim();
  if (!given) {
    const hosted = DEFAULT_REGISTRY_URLS[type];
    if (hosted) return hosted;
    throw new InvalidError('request', `url is required for a ${type} endpoint (an http:// or https:// URL)`);
  }
  let parsed: URL;
  try {
    parsed = new URL(given);
  } catch {
    throw new InvalidError('request', `url ${given} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidError('request', 'url must be an http:// or https:// URL');
  // a password in the URL would be stored and shown in clear: credentials go in `credential`
  if (parsed.username || parsed.password) throw new InvalidError('request', 'url must not carry credentials; use credential');
  if (parsed.search || parsed.hash) throw new InvalidError('request', 'url must not have a query or a fragment');
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}

/**
 * The credential to store: `current` (the stored one, in clear) fills in a secret sent masked
 * or left out, so a client can echo what it read. null means none.
 */
export function mergeCredential(input: CredentialInput | null | undefined, current: RegistryCredential | null): RegistryCredential | null {
  if (!input) return null;
  const type = input.type ?? current?.type ?? 'basic';
  if (!(CREDENTIAL_TYPES as readonly string[]).includes(type)) throw new InvalidError('request', `unknown credential type ${type}; known: ${CREDENTIAL_TYPES.join(', ')}`);
  const accessKey = input.accessKey ?? current?.accessKey ?? '';
  const keep = input.accessSecret === undefined || input.accessSecret === MASKED_SECRET;
  const accessSecret = keep ? (current?.accessSecret ?? '') : (input.accessSecret ?? '');
  if (!accessKey && !accessSecret) return null;
  if (keep && !current) throw new InvalidError('request', 'credential.access_secret is required');
  return { type, accessKey, accessSecret };
}
