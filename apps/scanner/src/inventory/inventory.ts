/**
 * What an image contains, as the scanner's three parts exchange it: the registry side pulls the
 * image (PulledImage), the inventory side lists what is installed in it (Inventory), the
 * vulnerability database matches that list against advisories (VulnerabilityFinding).
 */

/** How a package's versions compare and which advisories apply to it (OSV ecosystems). */
export type PackageEcosystem = 'debian' | 'ubuntu' | 'alpine' | 'rpm' | 'npm' | 'pypi' | 'go' | 'maven';

/** The distribution, from `/etc/os-release` (or `/usr/lib/os-release`). */
export interface OperatingSystem {
  /** os-release `ID`: debian, ubuntu, alpine, rhel, rocky, fedora, ... */
  family: string;
  /** os-release `VERSION_ID` ("11", "3.18.4", "22.04") */
  version: string;
  /** os-release `PRETTY_NAME`, for reports */
  prettyName?: string;
}

export interface InstalledPackage {
  ecosystem: PackageEcosystem;
  /** npm: with its scope (`@babel/core`); maven: `group:artifact`; go: the module path (`stdlib` for the toolchain) */
  name: string;
  /**
   * As the ecosystem writes it: dpkg and rpm with their epoch (`1:1.2.13.dfsg-1`, `1:3.0.7-24.el9`,
   * rpm as version-release), Go without the `v` (`0.7.0`, as OSV writes Go versions)
   */
  version: string;
  /** Debian binary packages: the source package advisories are filed under (`Source:` or the name itself) */
  sourceName?: string;
  sourceVersion?: string;
  /** the file that declared the package inside the image (`/var/lib/dpkg/status`, `/app/package-lock.json`) */
  path: string;
  /** package URL (https://github.com/package-url/purl-spec), e.g. `pkg:deb/debian/openssl@1.1.1n-0+deb11u3?distro=debian-11` */
  purl: string;
  /** the layer (compressed digest) the package was found in, when known */
  layerDigest?: string;
  licenses?: string[];
}

export interface Inventory {
  os: OperatingSystem | null;
  packages: InstalledPackage[];
}
