import type { FastifyRequest } from 'fastify';
import { operationOf } from './http-metrics';

const request = (url: string, route?: string) => ({ url, routeOptions: { url: route } }) as unknown as FastifyRequest;

describe('operationOf: the route template a request is counted under', () => {
  it.each([
    ['/v2/', '/v2/'],
    ['/v2', '/v2/'],
    ['/v2/_catalog?n=10', '/v2/_catalog'],
    ['/v2/library/deep/name/manifests/v1', '/v2/{name}/manifests/{reference}'],
    ['/v2/library/app/manifests/sha256:abc', '/v2/{name}/manifests/{reference}'],
    ['/v2/library/app/blobs/uploads/', '/v2/{name}/blobs/uploads/'],
    ['/v2/library/app/blobs/uploads/?mount=sha256:abc&from=other/app', '/v2/{name}/blobs/uploads/'],
    ['/v2/library/app/blobs/uploads/5f0c-uuid?_state=x', '/v2/{name}/blobs/uploads/{uuid}'],
    ['/v2/library/app/blobs/sha256:abc', '/v2/{name}/blobs/{digest}'],
    ['/v2/library/app/tags/list?n=5', '/v2/{name}/tags/list'],
    ['/v2/library/app/referrers/sha256:abc', '/v2/{name}/referrers/{digest}'],
    ['/v2/library/app/nonsense', '/v2/*'],
  ])('%s -> %s', (url, template) => {
    expect(operationOf(request(url, '/v2/*'))).toBe(template);
  });

  it("takes Fastify's route elsewhere, and names a path no route serves `unmatched` (never the URL)", () => {
    expect(operationOf(request('/api/v2.0/projects/secret-team?page=2', '/api/v2.0/projects/:project_name_or_id'))).toBe('/api/v2.0/projects/:project_name_or_id');
    expect(operationOf(request('/some/probe/path'))).toBe('unmatched');
    expect(operationOf(request('/v2x/thing'))).toBe('unmatched');
  });
});
