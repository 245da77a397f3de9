import { parseRepositoryName, type RepositoryName } from '@wharf/registry-core';
import { OciError } from './oci-error';

/** What a /v2 request addresses, parsed once per request from its path. */
export type DistributionRoute =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'manifest'; repository: RepositoryName; reference: string }
  | { kind: 'blob'; repository: RepositoryName; digest: string }
  | { kind: 'uploads'; repository: RepositoryName }
  | { kind: 'upload'; repository: RepositoryName; uploadId: string }
  | { kind: 'tags'; repository: RepositoryName }
  | { kind: 'referrers'; repository: RepositoryName; digest: string };

// repository names contain slashes, so each route is recognised by its suffix
const SUFFIXES: [RegExp, (name: string, ref: string) => DistributionRoute | undefined][] = [
  [/^(.+)\/manifests\/([^/]+)$/, (n, r) => ({ kind: 'manifest', repository: parseRepositoryName(n), reference: r })],
  [/^(.+)\/blobs\/uploads\/?$/, (n) => ({ kind: 'uploads', repository: parseRepositoryName(n) })],
  [/^(.+)\/blobs\/uploads\/([^/]+)$/, (n, r) => ({ kind: 'upload', repository: parseRepositoryName(n), uploadId: r })],
  [/^(.+)\/blobs\/([^/]+)$/, (n, r) => ({ kind: 'blob', repository: parseRepositoryName(n), digest: r })],
  [/^(.+)\/tags\/list$/, (n) => ({ kind: 'tags', repository: parseRepositoryName(n) })],
  [/^(.+)\/referrers\/([^/]+)$/, (n, r) => ({ kind: 'referrers', repository: parseRepositoryName(n), digest: r })],
];

const routeKey = Symbol('distributionRoute');

/** Parses (and caches on the request) the route of a /v2 URL; NAME_INVALID for bad names, 404 for unknown paths. */
export function distributionRoute(request: { url: string; [routeKey]?: DistributionRoute }): DistributionRoute {
  const cached = request[routeKey];
  if (cached) return cached;
  const route = parse(request.url);
  request[routeKey] = route;
  return route;
}

function parse(url: string): DistributionRoute {
  const query = url.indexOf('?');
  const path = (query < 0 ? url : url.slice(0, query)).replace(/^\/v2/, '');
  if (path === '' || path === '/') return { kind: 'base' };
  if (path === '/_catalog') return { kind: 'catalog' };
  const rest = path.slice(1);
  for (const [pattern, build] of SUFFIXES) {
    const match = pattern.exec(rest);
    if (match) {
      const route = build(match[1], decodeURIComponent(match[2] ?? ''));
      if (route) return route;
    }
  }
  throw new OciError('NAME_UNKNOWN', 'no such registry endpoint', { path }, 404);
}
