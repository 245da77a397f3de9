import type { UpstreamEndpoint } from '../registry-endpoint';
import { DEFAULT_REGISTRY_URLS } from './default-registry-urls';
import { DistributionClient } from './distribution-client';
import type { UpstreamClientOptions } from './upstream-client-options';

/**
 * Docker Hub: the web site's address (hub.docker.com, docker.io) is not where images are
 * served from, and official images live under `library/` (`nginx` is `library/nginx`).
 */
const HUB_WEB_HOSTS = new Set(['hub.docker.com', 'docker.io', 'www.docker.io', 'index.docker.io', 'www.docker.com', 'docker.com']);

export class DockerHubAdapter extends DistributionClient {
  constructor(endpoint: UpstreamEndpoint, options: UpstreamClientOptions = {}) {
    super({ ...endpoint, url: dockerHubRegistryUrl(endpoint.url) }, options);
  }

  override upstreamName(repository: string): string {
    return repository.includes('/') ? repository : `library/${repository}`;
  }
}

export function dockerHubRegistryUrl(url: string | null | undefined): string {
  const trimmed = (url ?? '').trim().replace(/\/+$/, '');
  if (!trimmed) return DEFAULT_REGISTRY_URLS['docker-hub']!;
  try {
    if (HUB_WEB_HOSTS.has(new URL(trimmed).hostname.toLowerCase())) return DEFAULT_REGISTRY_URLS['docker-hub']!;
  } catch {
    // not a URL at all: let the client report it when it is used
  }
  return trimmed;
}
