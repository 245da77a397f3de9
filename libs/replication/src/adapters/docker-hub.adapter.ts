import { dockerHubRegistryUrl, type UpstreamClientOptions, type UpstreamEndpoint } from '@wharf/registries';
import { UnavailableError } from '@wharf/errors';
import { ReplicationAdapter } from './replication-adapter';

/**
 * Docker Hub: served from registry-1.docker.io, official images under `library/`. It takes
 * pushes (to the credential's namespaces) but has no `/v2/_catalog`: a pull-based policy names
 * its repositories (namespace filters), it cannot list the whole Hub.
 */
export class DockerHubReplicationAdapter extends ReplicationAdapter {
  constructor(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}) {
    super('docker-hub', { ...endpoint, url: dockerHubRegistryUrl(endpoint.url) }, options);
  }

  override upstreamName(repository: string): string {
    return repository.includes('/') ? repository : `library/${repository}`;
  }

  override async repositories(): Promise<string[]> {
    throw new UnavailableError('Docker Hub does not list its repositories (no /v2/_catalog); name them in the policy filter', { reason: 'bad-upstream' });
  }
}
