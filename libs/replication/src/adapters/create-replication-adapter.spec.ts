import { createReplicationAdapter } from './create-replication-adapter';

describe('createReplicationAdapter', () => {
  const endpoint = (type: Parameters<typeof createReplicationAdapter>[0]['type'], url = '') => ({ type, url, insecure: false, credential: null });

  it('gives each registry type its adapter, and only types that take pushes accept them', () => {
    const pushes = Object.fromEntries(
      (['docker-registry', 'harbor', 'docker-hub', 'github-ghcr', 'quay', 'google-gcr'] as const).map((type) => [type, createReplicationAdapter(endpoint(type, type === 'docker-registry' || type === 'harbor' ? 'http://127.0.0.1:5000' : '')).acceptsPushes]),
    );
    expect(pushes).toEqual({ 'docker-registry': true, harbor: true, 'docker-hub': true, 'github-ghcr': false, quay: true, 'google-gcr': true });
  });

  it('maps Docker Hub names to library/', () => {
    expect(createReplicationAdapter(endpoint('docker-hub')).upstreamName('nginx')).toBe('library/nginx');
    expect(createReplicationAdapter(endpoint('docker-hub')).upstreamName('team/app')).toBe('team/app');
  });
});
