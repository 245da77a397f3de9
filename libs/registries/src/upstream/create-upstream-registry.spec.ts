import type { UpstreamEndpoint } from '../registry-endpoint';
import { createUpstreamRegistry } from './create-upstream-registry';
import { DistributionClient } from './distribution-client';
import { DockerHubAdapter, dockerHubRegistryUrl } from './docker-hub.adapter';

const endpoint = (type: UpstreamEndpoint['type'], url: string): UpstreamEndpoint => ({ type, url, insecure: false, credential: null });

describe('createUpstreamRegistry', () => {
  it('gives Docker Hub its adapter: official images under library/', async () => {
    const hub = createUpstreamRegistry(endpoint('docker-hub', 'https://hub.docker.com'));
    expect(hub).toBeInstanceOf(DockerHubAdapter);
    expect(hub.upstreamName('nginx')).toBe('library/nginx');
    expect(hub.upstreamName('bitnami/nginx')).toBe('bitnami/nginx');
    await hub.close?.();
  });

  it('points Docker Hub web addresses and blanks at registry-1.docker.io, and keeps a mirror URL', () => {
    expect(dockerHubRegistryUrl('https://hub.docker.com/')).toBe('https://registry-1.docker.io');
    expect(dockerHubRegistryUrl('https://docker.io')).toBe('https://registry-1.docker.io');
    expect(dockerHubRegistryUrl('  ')).toBe('https://registry-1.docker.io');
    expect(dockerHubRegistryUrl('https://mirror.example.com/')).toBe('https://mirror.example.com');
  });

  it.each(['docker-registry', 'harbor', 'github-ghcr', 'quay', 'google-gcr'] as const)('gives %s the generic client, names unchanged', async (type) => {
    const upstream = createUpstreamRegistry(endpoint(type, 'https://registry.example.com'));
    expect(upstream).toBeInstanceOf(DistributionClient);
    expect(upstream).not.toBeInstanceOf(DockerHubAdapter);
    expect(upstream.upstreamName('nginx')).toBe('nginx');
    await upstream.close?.();
  });

  it('fills in the hosted registries\u2019 URLs and refuses a blank one where there is no default', () => {
    expect(() => createUpstreamRegistry(endpoint('github-ghcr', ''))).not.toThrow();
    expect(() => createUpstreamRegistry(endpoint('docker-registry', ''))).toThrow(/needs a URL/);
  });
});
