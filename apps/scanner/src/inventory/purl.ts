import type { OperatingSystem } from './inventory';
import type { DetectedPackage } from './detector';

/**
 * Package URLs per https://github.com/package-url/purl-spec: each namespace segment, the name and
 * the version percent-encoded, qualifiers sorted by key.
 */
export function purlOf(pkg: DetectedPackage, os: OperatingSystem | null): string {
  switch (pkg.ecosystem) {
    case 'debian':
    case 'ubuntu':
      return build('deb', [pkg.ecosystem], pkg.name, pkg.version, { arch: pkg.arch, distro: distro(os) });
    case 'alpine':
      return build('apk', [os?.family && os.family !== 'alpine' ? os.family : 'alpine'], pkg.name, pkg.version, { arch: pkg.arch, distro: distro(os) });
    case 'rpm':
      // the epoch is a qualifier of rpm purls, not part of the version
      return build('rpm', [os?.family ?? 'redhat'], pkg.name, pkg.version.replace(/^\d+:/, ''), { arch: pkg.arch, distro: distro(os), epoch: pkg.epoch ? String(pkg.epoch) : undefined });
    case 'npm': {
      const [scope, name] = pkg.name.startsWith('@') ? split(pkg.name) : [undefined, pkg.name];
      return build('npm', scope ? [scope] : [], name, pkg.version);
    }
    case 'pypi':
      return build('pypi', [], pkg.name.toLowerCase().replace(/[-_.]+/g, '-'), pkg.version);
    case 'go': {
      const segments = pkg.name.split('/');
      const name = segments.pop() ?? pkg.name;
      // Go versions are kept without their `v` (as OSV writes them); Go's purls carry it
      return build('golang', segments, name, `v${pkg.version.replace(/^v/, '')}`);
    }
    case 'maven': {
      const [group, artifact] = pkg.name.includes(':') ? pkg.name.split(':', 2) : [undefined, pkg.name];
      return build('maven', group ? [group] : [], artifact, pkg.version);
    }
  }
}

function split(scoped: string): [string, string] {
  const slash = scoped.indexOf('/');
  return [scoped.slice(0, slash), scoped.slice(slash + 1)];
}

function distro(os: OperatingSystem | null): string | undefined {
  return os ? `${os.family}-${os.version}` : undefined;
}

function build(type: string, namespace: string[], name: string, version: string, qualifiers: Record<string, string | undefined> = {}): string {
  const path = [...namespace.filter(Boolean).map(encode), encode(name)].join('/');
  const query = Object.entries(qualifiers)
    .filter((entry): entry is [string, string] => !!entry[1])
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${encode(value)}`)
    .join('&');
  return `pkg:${type}/${path}${version ? `@${encode(version)}` : ''}${query ? `?${query}` : ''}`;
}

/** purl's percent-encoding: everything but unreserved characters (RFC 3986), so `+` and `:` are encoded. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface ParsedPurl {
  type: string;
  namespace: string[];
  name: string;
  version: string;
  qualifiers: Record<string, string>;
}

/** The parts of a package URL, percent-decoded (subpaths are dropped: no ecosystem here uses them). */
export function parsePurl(purl: string): ParsedPurl | undefined {
  const match = /^pkg:([a-zA-Z][a-zA-Z0-9.+-]*)\/([^?#@]+(?:@[^?#]*)?)(?:\?([^#]*))?(?:#.*)?$/.exec(purl);
  if (!match) return undefined;
  const [, type, pathAndVersion, query] = match;
  // the version starts at the last '@' that follows the last '/' (a namespace may hold an encoded '@')
  const at = pathAndVersion.lastIndexOf('@');
  const path = at > pathAndVersion.lastIndexOf('/') ? pathAndVersion.slice(0, at) : pathAndVersion;
  const version = at > pathAndVersion.lastIndexOf('/') ? decodeURIComponent(pathAndVersion.slice(at + 1)) : '';
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const name = segments.pop() ?? '';
  const qualifiers: Record<string, string> = {};
  for (const pair of (query ?? '').split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0) qualifiers[pair.slice(0, eq).toLowerCase()] = decodeURIComponent(pair.slice(eq + 1));
  }
  return { type: type.toLowerCase(), namespace: segments, name, version, qualifiers };
}
