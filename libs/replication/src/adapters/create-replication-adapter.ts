import type { UpstreamClientOptions, UpstreamEndpoint } from '@wharf/registries';
import { DockerHubReplicationAdapter } from './docker-hub.adapter';
import { DockerRegistryAdapter } from './docker-registry.adapter';
import { GithubGhcrAdapter } from './github-ghcr.adapter';
import { GoogleGcrAdapter } from './google-gcr.adapter';
import { HarborAdapter } from './harbor.adapter';
import { QuayAdapter } from './quay.adapter';
import type { ReplicationAdapter } from './replication-adapter';

/** The replication adapter for an endpoint's type: adding a registry type is a file and a line here. */
export function createReplicationAdapter(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}): ReplicationAdapter {
  switch (endpoint.type) {
    case 'docker-registry':
      return new DockerRegistryAdapter(endpoint, options);
    case 'harbor':
      return new HarborAdapter(endpoint, options);
    case 'docker-hub':
      return new DockerHubReplicationAdapter(endpoint, options);
    case 'github-ghcr':
      return new GithubGhcrAdapter(endpoint, options);
    case 'quay':
      return new QuayAdapter(endpoint, options);
    case 'google-gcr':
      return new GoogleGcrAdapter(endpoint, options);
    default: {
      const unknownType: never = endpoint.type;
      throw new Error(`no replication adapter for registry type ${String(unknownType)}`);
    }
  }
}
