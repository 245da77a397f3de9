import { registryUrl, type UpstreamClientOptions, type UpstreamEndpoint } from '@wharf/registries';
import { ReplicationAdapter } from './replication-adapter';

/** Quay: distribution with a token challenge (robot account or user credentials); takes pushes. */
export class QuayAdapter extends ReplicationAdapter {
  constructor(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}) {
    super('quay', { ...endpoint, url: registryUrl('quay', endpoint.url) }, options);
  }
}
