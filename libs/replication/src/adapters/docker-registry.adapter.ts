import type { UpstreamClientOptions, UpstreamEndpoint } from '@wharf/registries';
import { registryUrl } from '@wharf/registries';
import { ReplicationAdapter } from './replication-adapter';

/** The CNCF distribution registry (and any plain OCI registry): the base adapter as it is. */
export class DockerRegistryAdapter extends ReplicationAdapter {
  constructor(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}) {
    super('docker-registry', { ...endpoint, url: registryUrl('docker-registry', endpoint.url) }, options);
  }
}
