import type { UpstreamEndpoint } from '../registry-endpoint';
import type { UpstreamRegistry } from './upstream-registry';

export interface UpstreamClientOptions {
  /** per request: connect + headers, and the longest silence while a body streams */
  timeoutMs?: number;
}

/** The adapter for the endpoint's type (the factory every caller goes through). */
export function createUpstreamRegistry(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}): UpstreamRegistry {
  void endpoint;
  void options;
  throw new Error('upstream adapters are being written on branch wip/upstream');
}
