import { parsePurl, purlOf } from './purl';

const debian11 = { family: 'debian', version: '11' };

describe('purlOf', () => {
  it('builds deb purls with arch and distro qualifiers, sorted, the version percent-encoded', () => {
    expect(purlOf({ ecosystem: 'debian', name: 'libssl1.1', version: '1.1.1n-0+deb11u3', arch: 'amd64' }, debian11)).toBe('pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11');
    expect(purlOf({ ecosystem: 'debian', name: 'zlib1g', version: '1:1.2.11.dfsg-2+deb11u2' }, debian11)).toBe('pkg:deb/debian/zlib1g@1%3A1.2.11.dfsg-2%2Bdeb11u2?distro=debian-11');
  });

  it('builds apk, rpm, npm, pypi, golang and maven purls', () => {
    expect(purlOf({ ecosystem: 'alpine', name: 'musl', version: '1.2.4-r2', arch: 'x86_64' }, { family: 'alpine', version: '3.18.4' })).toBe('pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.18.4');
    expect(purlOf({ ecosystem: 'rpm', name: 'openssl-libs', version: '1:3.0.7-24.el9', arch: 'x86_64', epoch: 1 }, { family: 'rhel', version: '9.3' })).toBe(
      'pkg:rpm/rhel/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1',
    );
    expect(purlOf({ ecosystem: 'npm', name: '@babel/core', version: '7.22.0' }, null)).toBe('pkg:npm/%40babel/core@7.22.0');
    expect(purlOf({ ecosystem: 'npm', name: 'lodash', version: '4.17.15' }, null)).toBe('pkg:npm/lodash@4.17.15');
    expect(purlOf({ ecosystem: 'pypi', name: 'Django_Rest.framework', version: '3.14.0' }, null)).toBe('pkg:pypi/django-rest-framework@3.14.0');
    expect(purlOf({ ecosystem: 'go', name: 'golang.org/x/net', version: '0.7.0' }, null)).toBe('pkg:golang/golang.org/x/net@v0.7.0');
    expect(purlOf({ ecosystem: 'maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1' }, null)).toBe('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1');
  });
});

describe('parsePurl', () => {
  it('reads type, namespace, name, version and qualifiers, decoded', () => {
    expect(parsePurl('pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&epoch=1&distro=debian-12.11')).toEqual({
      type: 'deb',
      namespace: ['debian'],
      name: 'zlib1g',
      version: '1.2.13.dfsg-1',
      qualifiers: { arch: 'amd64', epoch: '1', distro: 'debian-12.11' },
    });
    expect(parsePurl('pkg:npm/%40babel/core@7.22.0')).toMatchObject({ namespace: ['@babel'], name: 'core', version: '7.22.0' });
    expect(parsePurl('pkg:golang/golang.org/x/net@v0.7.0')).toMatchObject({ namespace: ['golang.org', 'x'], name: 'net', version: 'v0.7.0' });
    expect(parsePurl('not a purl')).toBeUndefined();
  });
});
