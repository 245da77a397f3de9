export type PreheatVendor = 'dragonfly' | 'kraken';
export const PREHEAT_VENDORS: readonly PreheatVendor[] = ['dragonfly', 'kraken'];
export type AuthMode = 'NONE' | 'BASIC' | 'OAUTH' | 'CUSTOM';
export const AUTH_MODES: readonly AuthMode[] = ['NONE', 'BASIC', 'OAUTH', 'CUSTOM'];

export type InstanceHealth = 'Healthy' | 'Unhealthy' | 'Unknown';
/** Dragonfly only: `v2` (the manager's open API, the default) or `v1` (the supernode API Harbor 2.1 spoke). */
export type DragonflyApiVersion = 'v2' | 'v1';

/** What a secret value looks like in an answer; sending it back on update keeps the stored value. */
export const MASKED_SECRET = '*****';

/** Harbor's Instance, as the API shows it: auth_info values masked (BASIC's username excepted). */
export interface PreheatInstance {
  id: number;
  name: string;
  description: string;
  vendor: PreheatVendor;
  /** Wharf's addition: which Dragonfly API the instance speaks ('' for Kraken) */
  api_version: string;
  endpoint: string;
  auth_mode: AuthMode;
  auth_info: Record<string, string>;
  status: InstanceHealth;
  /** why the last health check failed ('' when healthy) */
  status_message: string;
  enabled: boolean;
  default: boolean;
  insecure: boolean;
  /** unix seconds of creation (Harbor's setup_timestamp) */
  setup_timestamp: number;
  last_checked: Date | null;
}

export interface PreheatInstanceInput {
  name: string;
  description?: string;
  vendor: string;
  api_version?: string;
  endpoint: string;
  auth_mode?: string;
  auth_info?: Record<string, string>;
  enabled?: boolean;
  default?: boolean;
  insecure?: boolean;
}

/** What an adapter needs to talk to an instance, the auth_info opened. Never leaves the worker/api process. */
export interface ProviderConnection {
  vendor: PreheatVendor;
  apiVersion: DragonflyApiVersion | '';
  endpoint: string;
  authMode: AuthMode;
  authInfo: Record<string, string>;
  insecure: boolean;
}

/** auth_info as an answer shows it: every value masked but a BASIC username. */
export function maskAuthInfo(mode: AuthMode, info: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(info).map(([key, value]) => [key, mode === 'BASIC' && key === 'username' ? value : MASKED_SECRET]));
}
