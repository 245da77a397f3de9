import { DpkgDetector, parseDpkgStatus } from './dpkg.detector';

const status = `Package: libssl1.1
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 4127
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 1.1.1n-0+deb11u3
Depends: libc6 (>= 2.25), debconf (>= 0.5) | debconf-2.0
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL and TLS
 cryptographic protocols for secure communication over the Internet.
Homepage: https://www.openssl.org/

Package: buildah
Status: install ok installed
Architecture: amd64
Source: golang-github-containers-buildah (1.28.2+ds1-3+deb12u1)
Version: 1.28.2+ds1-3+deb12u1+b1

Package: removed-one
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: zlib1g
Status: hold ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.11.dfsg-2+deb11u2
`;

describe('DpkgDetector', () => {
  it('reads installed packages with their source package and version', () => {
    expect(parseDpkgStatus(status)).toEqual([
      { ecosystem: 'debian', name: 'libssl1.1', version: '1.1.1n-0+deb11u3', sourceName: 'openssl', sourceVersion: '1.1.1n-0+deb11u3', arch: 'amd64' },
      { ecosystem: 'debian', name: 'buildah', version: '1.28.2+ds1-3+deb12u1+b1', sourceName: 'golang-github-containers-buildah', sourceVersion: '1.28.2+ds1-3+deb12u1', arch: 'amd64' },
      { ecosystem: 'debian', name: 'zlib1g', version: '1:1.2.11.dfsg-2+deb11u2', sourceName: 'zlib', sourceVersion: '1:1.2.11.dfsg-2+deb11u2', arch: 'amd64' },
    ]);
  });

  it('reads distroless status.d entries, which carry no Status, and skips their md5sums', () => {
    const detector = new DpkgDetector();
    const entry = 'Package: base-files\nVersion: 11.1+deb11u8\nArchitecture: amd64\n';
    expect(detector.parse(Buffer.from(entry)).packages).toEqual([{ ecosystem: 'debian', name: 'base-files', version: '11.1+deb11u8', sourceName: 'base-files', sourceVersion: '11.1+deb11u8', arch: 'amd64' }]);
    expect(detector.matches({ path: 'var/lib/dpkg/status.d/base-files', size: 1, mode: 0o644 })).toBe(true);
    expect(detector.matches({ path: 'var/lib/dpkg/status.d/base-files.md5sums', size: 1, mode: 0o644 })).toBe(false);
    expect(detector.matches({ path: 'var/lib/dpkg/status', size: 1, mode: 0o644 })).toBe(true);
    expect(detector.matches({ path: 'var/lib/dpkg/status-old', size: 1, mode: 0o644 })).toBe(false);
  });
});
