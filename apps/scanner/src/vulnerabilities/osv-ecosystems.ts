import type { InstalledPackage, OperatingSystem } from '../inventory/inventory';
import { apkOrdering } from './versions/apk-version';
import { dpkgOrdering } from './versions/dpkg-version';
import { goOrdering } from './versions/go-version';
import { mavenOrdering } from './versions/maven-version';
import { pep440Ordering } from './versions/pep440-version';
import { rpmOrdering } from './versions/rpm-version';
import { semverOrdering } from './versions/semver-version';
import type { VersionOrdering } from './versions/version-ordering';

/**
 * Where an installed package is looked up in OSV: the ecosystem string of its distribution
 * release or language (`Debian:11`, `Alpine:v3.18`, `Ubuntu:22.04:LTS`, `npm`, `PyPI`), the name
 * advisories use for it and the version to compare; and how each ecosystem orders versions.
 */
export interface OsvCoordinates {
  ecosystem: string;
  name: string;
  version: string;
}

/** Distribution ecosystems rate their own packages; language ecosystems defer to CVSS (see the matcher). */
export function isDistributionEcosystem(ecosystem: string): boolean {
  return !['npm', 'PyPI', 'Go', 'Maven'].includes(ecosystem);
}

const ORDERINGS: Record<string, VersionOrdering> = {
  Debian: dpkgOrdering,
  Ubuntu: dpkgOrdering,
  Alpine: apkOrdering,
  Wolfi: apkOrdering,
  Chainguard: apkOrdering,
  'Red Hat': rpmOrdering,
  'Rocky Linux': rpmOrdering,
  AlmaLinux: rpmOrdering,
  SUSE: rpmOrdering,
  openSUSE: rpmOrdering,
  Mageia: rpmOrdering,
  'Photon OS': rpmOrdering,
  'CBL-Mariner': rpmOrdering,
  'Azure Linux': rpmOrdering,
  openEuler: rpmOrdering,
  npm: semverOrdering,
  PyPI: pep440Ordering,
  Go: goOrdering,
  Maven: mavenOrdering,
};

/** The version ordering of an OSV ecosystem string (`Debian:11` orders as `Debian`), or null when unsupported. */
export function orderingOf(ecosystem: string): VersionOrdering | null {
  return ORDERINGS[ecosystem.split(':')[0]] ?? null;
}

/**
 * The ecosystem names the importer keeps, with their releases: anything else in an export (crates.io,
 * RubyGems, ...) is skipped, since no inventory here produces it.
 */
export function isSupportedEcosystem(ecosystem: string): boolean {
  return orderingOf(ecosystem) !== null;
}

/**
 * The ecosystem string as rows are keyed. Red Hat's records name a product stream
 * (`Red Hat:enterprise_linux:9::appstream`); they are kept under the major release (`Red Hat:9`),
 * which is what os-release tells.
 */
export function storedEcosystemOf(ecosystem: string): string {
  const redHat = /^Red Hat:(?:enterprise_linux|rhel_[a-z_]+):(\d+)/.exec(ecosystem);
  if (redHat) return `Red Hat:${redHat[1]}`;
  return ecosystem;
}

/** PEP 503: lower case, runs of `-`, `_` and `.` as one `-`. */
export function normalisePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The package name as rows are keyed: PyPI names normalised, the others as the ecosystem spells them. */
export function storedNameOf(ecosystem: string, name: string): string {
  return ecosystem === 'PyPI' ? normalisePypiName(name) : name;
}

const major = (version: string) => /^(\d+)/.exec(version)?.[1];
const majorMinor = (version: string) => /^(\d+)\.(\d+)/.exec(version)?.slice(1, 3).join('.');

/** The OSV ecosystem of a distribution release, from os-release's ID and VERSION_ID. */
export function distributionEcosystem(os: OperatingSystem): string | null {
  const family = os.family.toLowerCase();
  const version = os.version.trim();
  switch (family) {
    case 'debian':
      return major(version) ? `Debian:${major(version)}` : null;
    case 'ubuntu': {
      const release = majorMinor(version);
      if (!release) return null;
      // LTS releases are the even years' April releases
      const [year, month] = release.split('.').map(Number);
      return `Ubuntu:${release}${year % 2 === 0 && month === 4 ? ':LTS' : ''}`;
    }
    case 'alpine':
      return majorMinor(version) ? `Alpine:v${majorMinor(version)}` : null;
    case 'rhel':
      return major(version) ? `Red Hat:${major(version)}` : null;
    case 'rocky':
      return major(version) ? `Rocky Linux:${major(version)}` : null;
    case 'almalinux':
      return major(version) ? `AlmaLinux:${major(version)}` : null;
    case 'mariner':
      return majorMinor(version) ? `CBL-Mariner:${majorMinor(version)}` : null;
    case 'azurelinux':
      return majorMinor(version) ? `Azure Linux:${majorMinor(version)}` : null;
    case 'photon':
      return version ? `Photon OS:${version}` : null;
    case 'wolfi':
      return 'Wolfi';
    case 'chainguard':
      return 'Chainguard';
    case 'opensuse-leap':
      return version ? `openSUSE:Leap ${version}` : null;
    case 'opensuse-tumbleweed':
      return 'openSUSE:Tumbleweed';
    case 'sles': {
      const [release, servicePack] = version.split('.');
      return release ? `SUSE:Linux Enterprise Server ${release}${servicePack && servicePack !== '0' ? ` SP${servicePack}` : ''}` : null;
    }
    case 'mageia':
      return version ? `Mageia:${version}` : null;
    default:
      return null;
  }
}

/** `distro=debian-11` in a package URL, for a package whose inventory found no os-release. */
function operatingSystemOfPurl(purl: string): OperatingSystem | null {
  const distro = /[?&]distro=([^&#]+)/.exec(purl)?.[1];
  const match = distro && /^([a-z-]+?)-(\d[\w.]*)$/.exec(decodeURIComponent(distro));
  return match ? { family: match[1], version: match[2] } : null;
}

/** `pkg:maven/<group>/<artifact>@<version>` -> `group:artifact`. */
function mavenNameOf(pkg: InstalledPackage): string {
  if (pkg.name.includes(':')) return pkg.name;
  const match = /^pkg:maven\/([^/]+)\/([^@?#]+)/.exec(pkg.purl);
  return match ? `${decodeURIComponent(match[1])}:${decodeURIComponent(match[2])}` : pkg.name;
}

/**
 * Where one installed package is looked up, or null when no OSV ecosystem covers it. A Debian or
 * Ubuntu binary package is looked up under its source package and source version (advisories are
 * filed per source package); an Alpine subpackage under its origin.
 */
export function osvCoordinatesOf(pkg: InstalledPackage, os: OperatingSystem | null): OsvCoordinates | null {
  switch (pkg.ecosystem) {
    case 'debian':
    case 'ubuntu':
    case 'alpine':
    case 'rpm': {
      const release = os ?? operatingSystemOfPurl(pkg.purl);
      const ecosystem = release && distributionEcosystem(release);
      if (!ecosystem) return null;
      const bySource = pkg.ecosystem !== 'rpm';
      const name = bySource ? pkg.sourceName || pkg.name : pkg.name;
      const version = pkg.ecosystem === 'debian' || pkg.ecosystem === 'ubuntu' ? pkg.sourceVersion || pkg.version : pkg.version;
      return { ecosystem, name, version };
    }
    case 'npm':
      return { ecosystem: 'npm', name: pkg.name, version: pkg.version };
    case 'pypi':
      return { ecosystem: 'PyPI', name: normalisePypiName(pkg.name), version: pkg.version };
    case 'go': {
      const stdlib = ['stdlib', 'go', 'golang', 'toolchain'].includes(pkg.name);
      return { ecosystem: 'Go', name: stdlib ? 'stdlib' : pkg.name, version: pkg.version };
    }
    case 'maven':
      return { ecosystem: 'Maven', name: mavenNameOf(pkg), version: pkg.version };
    default:
      return null;
  }
}
