import { registryUrl, type UpstreamClientOptions, type UpstreamEndpoint } from '@wharf/registries';
import { ReplicationAdapter } from './replication-adapter';

/**
 * GitHub Container Registry: plain distribution with a token challenge (a personal access token
 * as the password). As in Harbor, a source only: replication does not push to it.
 */
export class GithubGhcrAdapter extends ReplicationAdapter {
  constructor(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}) {
    super('github-ghcr', { ...endpoint, url: registryUrl('github-ghcr', endpoint.url) }, options);
  }

  override get acceptsPushes(): boolean {
    return false;
  }
}
