import { DistributionClient, nextLink } from './distribution-client';

describe('DistributionClient input checks', () => {
  // port 9 (discard) on loopback: nothing is meant to be sent, a request would fail differently
  const client = new DistributionClient({ type: 'docker-registry', url: 'http://127.0.0.1:9', insecure: false, credential: null });
  afterAll(() => client.close());

  it.each(['../../admin', 'team/app?x=1', 'Team/App', 'team//app', 'team/app#frag', 'team/%2e%2e'])('refuses the repository name %s before any request', async (name) => {
    await expect(client.getManifest(name, 'v1')).rejects.toThrow(TypeError);
  });

  it.each(['../v1', 'v1?n=1', '.hidden', 'sha256:../x'])('refuses the reference %s', async (reference) => {
    await expect(client.headManifest('team/app', reference)).rejects.toThrow(TypeError);
  });

  it('refuses a blob reference that is not a digest', async () => {
    await expect(client.getBlob('team/app', 'latest')).rejects.toThrow(TypeError);
  });
});

describe('nextLink', () => {
  it('finds rel="next" among links, quoted or not', () => {
    expect(nextLink('</v2/a/tags/list?last=b&n=2>; rel="next"')).toBe('/v2/a/tags/list?last=b&n=2');
    expect(nextLink('<https://r.example/v2/a/tags/list?last=b>; rel=next')).toBe('https://r.example/v2/a/tags/list?last=b');
    expect(nextLink('</prev>; rel="prev", </next?a=1,2>; rel="next"')).toBe('/next?a=1,2');
    expect(nextLink('</first>; rel="first"')).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });
});
