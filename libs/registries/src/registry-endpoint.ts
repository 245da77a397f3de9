/**
 * A registry endpoint: an upstream other registries' content comes from (proxy-cache projects)
 * or goes to (replication). Field names follow Harbor's API where they reach the wire.
 */
export const REGISTRY_TYPES = ['docker-registry', 'harbor', 'docker-hub', 'github-ghcr', 'quay', 'google-gcr'] as const;
export type RegistryType = (typeof REGISTRY_TYPES)[number];

export const CREDENTIAL_TYPES = ['basic', 'oauth'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export type RegistryHealth = 'healthy' | 'unhealthy' | 'unknown';

/** A credential in clear: only ever held in memory, on the way to an upstream. */
export interface RegistryCredential {
  type: CredentialType;
  /** user name (basic) or empty (oauth) */
  accessKey: string;
  /** password (basic) or bearer token (oauth) */
  accessSecret: string;
}

/** What an upstream client needs to talk to an endpoint. */
export interface UpstreamEndpoint {
  type: RegistryType;
  /** base URL, e.g. https://registry-1.docker.io; no trailing slash */
  url: string;
  /** skip TLS certificate checks */
  insecure: boolean;
  credential: RegistryCredential | null;
}

/** A stored endpoint, as the rest of Wharf sees it (the secret decrypted only on demand). */
export interface RegistryEndpoint extends Omit<UpstreamEndpoint, 'credential'> {
  id: number;
  name: string;
  description: string;
  credentialType: CredentialType | null;
  accessKey: string | null;
  status: RegistryHealth;
  statusMessage: string;
  lastChecked: Date | null;
  creationTime: Date;
  updateTime: Date;
}
