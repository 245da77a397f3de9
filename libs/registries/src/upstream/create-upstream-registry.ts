import type { UpstreamEndpoint } from '../registry-endpoint';
import { registryUrl } from './default-registry-urls';
import { DistributionClient } from './distribution-client';
import { DockerHubAdapter } from './docker-hub.adapter';
import type { UpstreamClientOptions } from './upstream-client-options';
import type { UpstreamRegistry } from './upstream-registry';

export type { UpstreamClientOptions } from './upstream-client-options';

/**
 * The adapter for the endpoint's type (the factory every caller goes through). Types that
 * speak plain distribution v2 share the generic client, only their default URL differs.
 */
export function createUpstreamRegistry(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}): UpstreamRegistry {
  switch (endpoint.type) {
    case 'docker-hub':
      return new DockerHubAdapter(endpoint, options);
    case 'docker-registry':
    case 'harbor':
    case 'github-ghcr':
    case 'quay':
    case 'google-gcr':
      return new DistributionClient({ ...endpoint, url: registryUrl(endpoint.type, endpoint.url) }, options);
    default: {
      const unknownType: never = endpoint.type;
      throw new Error(`no upstream adapter for registry type ${String(unknownType)}`);
    }
  }
}
