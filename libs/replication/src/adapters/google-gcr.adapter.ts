import { registryUrl, type UpstreamClientOptions, type UpstreamEndpoint } from '@wharf/registries';
import { ReplicationAdapter } from './replication-adapter';

/** Google Container Registry: distribution with a token challenge (`_json_key` and a service account key); takes pushes. */
export class GoogleGcrAdapter extends ReplicationAdapter {
  constructor(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}) {
    super('google-gcr', { ...endpoint, url: registryUrl('google-gcr', endpoint.url) }, options);
  }
}
