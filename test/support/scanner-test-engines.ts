/**
 * TEST ONLY: stand-ins for the scanner's inventory, vulnerability database and SBOM writer, which
 * other parts of the scanner provide (apps/scanner/src/inventory, vulnerabilities, sbom). They let
 * the scanner-process suites exercise the API, the queue, the registry pulling and the reports
 * through a real process before those parts are merged. Never imported by apps/ or libs/.
 *
 * - inventory: reads each layer's tar stream (lowest first) for `etc/os-release`,
 *   `var/lib/dpkg/status` (+ `status.d/*`) and `lib/apk/db/installed`; a later layer's file wins.
 * - matcher: a JSON fixture (SCANNER_TEST_ADVISORIES) listing, per advisory, the exact
 *   vulnerable versions (no version ordering here: that is the real database's job).
 * - SBOM: a minimal CycloneDX 1.5 or SPDX 2.3 document of the inventory.
 *
 * Compiled at test time (test/support/scanner-process.ts) and loaded by a launcher that starts
 * the built scanner with these engines. Only type imports from the scanner, so it stands alone.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable, type Readable } from 'node:stream';
import type { InstalledPackage, Inventory, OperatingSystem } from '../../apps/scanner/src/inventory/inventory';
import type { PulledImage } from '../../apps/scanner/src/registry/pulled-image';
import type { ScanEngines } from '../../apps/scanner/src/scan/scan-engines';
import type { Severity, VulnerabilityFinding } from '../../apps/scanner/src/vulnerabilities/vulnerability-finding';

export interface TestAdvisory {
  id: string;
  aliases?: string[];
  ecosystem: 'debian' | 'alpine';
  package: string;
  /** the exact versions the advisory applies to */
  affectedVersions: string[];
  fixed?: string;
  severity: Severity;
  summary: string;
  references?: string[];
  cweIds?: string[];
  cvssV3?: { score: number; vector: string };
}

export interface TestAdvisoryFixture {
  updatedAt: string;
  advisories: TestAdvisory[];
}

const WANTED = /^(?:\.\/)?(etc\/os-release|usr\/lib\/os-release|var\/lib\/dpkg\/status|var\/lib\/dpkg\/status\.d\/[^/]+|lib\/apk\/db\/installed)$/;

/** Regular files of a tar stream whose names `wanted` accepts, handed to `onFile`; the rest is skipped as it streams. */
export function readTar(stream: Readable, wanted: (name: string) => boolean, onFile: (name: string, content: Buffer) => void): Promise<void> {
  let header = Buffer.alloc(0);
  let remaining = 0;
  let padding = 0;
  let collecting: Buffer[] | null = null;
  let name = '';
  let longName: string | null = null;
  let kind = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      let offset = 0;
      while (offset < chunk.length) {
        if (remaining > 0) {
          const take = Math.min(remaining, chunk.length - offset);
          if (collecting) collecting.push(chunk.subarray(offset, offset + take));
          remaining -= take;
          offset += take;
          if (remaining === 0) {
            const content = collecting ? Buffer.concat(collecting) : null;
            collecting = null;
            if (kind === 'L' && content) longName = content.toString('utf8').replace(/\0.*$/s, '');
            else if (content) onFile(name, content);
          }
          continue;
        }
        if (padding > 0) {
          const skip = Math.min(padding, chunk.length - offset);
          padding -= skip;
          offset += skip;
          continue;
        }
        const need = 512 - header.length;
        header = Buffer.concat([header, chunk.subarray(offset, offset + need)]);
        offset += Math.min(need, chunk.length - offset);
        if (header.length < 512) continue;
        const block = header;
        header = Buffer.alloc(0);
        if (block.every((byte) => byte === 0)) continue;
        const field = (start: number, length: number) => block.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
        const size = parseInt(field(124, 12).trim() || '0', 8);
        kind = field(156, 1) || '0';
        const prefix = field(257, 6).startsWith('ustar') ? field(345, 155) : '';
        name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
        if (kind !== 'L') longName = null;
        remaining = size;
        padding = (512 - (size % 512)) % 512;
        const regular = kind === '0' || kind === '\0' || kind === '7';
        collecting = (kind === 'L' || (regular && wanted(name.replace(/^\.?\//, '')))) && size > 0 ? [] : null;
        if (size === 0 && regular && wanted(name.replace(/^\.?\//, ''))) onFile(name, Buffer.alloc(0));
      }
      callback();
    },
  });
  return new Promise((resolve, reject) => {
    stream.on('error', reject);
    sink.on('error', reject);
    sink.on('finish', resolve);
    stream.pipe(sink);
  });
}

function osRelease(text: string): OperatingSystem | null {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
  }
  return fields.ID ? { family: fields.ID, version: fields.VERSION_ID ?? '', prettyName: fields.PRETTY_NAME } : null;
}

function dpkgPackages(text: string, os: OperatingSystem | null, path: string, layerDigest: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    for (const line of paragraph.split('\n')) {
      const match = /^([A-Za-z-]+):\s?(.*)$/.exec(line);
      if (match) fields[match[1]] = match[2];
    }
    if (!fields.Package || !fields.Version) continue;
    if (fields.Status && !/\binstalled$/.test(fields.Status)) continue;
    const source = /^(\S+)(?:\s+\((.+)\))?$/.exec(fields.Source ?? '');
    const distro = os ? `?distro=${os.family}-${os.version}` : '';
    packages.push({
      ecosystem: os?.family === 'ubuntu' ? 'ubuntu' : 'debian',
      name: fields.Package,
      version: fields.Version,
      sourceName: source?.[1] ?? fields.Package,
      sourceVersion: source?.[2] ?? fields.Version,
      path,
      purl: `pkg:deb/${os?.family ?? 'debian'}/${fields.Package}@${encodeURIComponent(fields.Version)}${distro}`,
      layerDigest,
    });
  }
  return packages;
}

function apkPackages(text: string, path: string, layerDigest: string): InstalledPackage[] {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => Object.fromEntries(paragraph.split('\n').map((line) => [line.slice(0, 1), line.slice(2)])))
    .filter((fields) => fields.P && fields.V)
    .map((fields) => ({ ecosystem: 'alpine' as const, name: fields.P, version: fields.V, path, purl: `pkg:apk/alpine/${fields.P}@${fields.V}`, layerDigest }));
}

/** The test inventory: what the last layer that wrote each database file says. */
export async function collectTestInventory(image: PulledImage): Promise<Inventory> {
  const files = new Map<string, { content: Buffer; layer: string }>();
  for (const layer of image.layers) {
    await readTar(await layer.open(), (name) => WANTED.test(name), (name, content) => files.set(name.replace(/^\.?\//, ''), { content, layer: layer.digest }));
  }
  const release = files.get('etc/os-release') ?? files.get('usr/lib/os-release');
  const os = release ? osRelease(release.content.toString('utf8')) : null;
  const packages: InstalledPackage[] = [];
  for (const [path, { content, layer }] of files) {
    if (path.startsWith('var/lib/dpkg/status')) packages.push(...dpkgPackages(content.toString('utf8'), os, `/${path}`, layer));
    if (path === 'lib/apk/db/installed') packages.push(...apkPackages(content.toString('utf8'), `/${path}`, layer));
  }
  return { os, packages };
}

export function createTestEngines(): ScanEngines {
  const fixturePath = process.env.SCANNER_TEST_ADVISORIES;
  const fixture: TestAdvisoryFixture | null = fixturePath ? (JSON.parse(readFileSync(fixturePath, 'utf8')) as TestAdvisoryFixture) : null;
  return {
    collectInventory: collectTestInventory,
    matcher: {
      databaseUpdatedAt: async () => (fixture ? new Date(fixture.updatedAt) : null),
      match: async (inventory) => {
        const findings: VulnerabilityFinding[] = [];
        for (const pkg of inventory.packages) {
          for (const advisory of fixture?.advisories ?? []) {
            const ecosystemMatches = advisory.ecosystem === pkg.ecosystem;
            const nameMatches = advisory.package === (pkg.sourceName ?? pkg.name);
            const version = pkg.ecosystem === 'debian' ? (pkg.sourceVersion ?? pkg.version) : pkg.version;
            if (!ecosystemMatches || !nameMatches || !advisory.affectedVersions.includes(version)) continue;
            const cve = advisory.aliases?.find((alias) => alias.startsWith('CVE-'));
            findings.push({
              id: cve ?? advisory.id,
              package: pkg,
              ...(advisory.fixed ? { fixVersion: advisory.fixed } : {}),
              severity: advisory.severity,
              description: advisory.summary,
              links: [`https://osv.dev/vulnerability/${advisory.id}`, ...(advisory.references ?? [])],
              cweIds: advisory.cweIds ?? [],
              ...(advisory.cvssV3 ? { preferredCvss: { score_v3: advisory.cvssV3.score, vector_v3: advisory.cvssV3.vector } } : {}),
              advisoryId: advisory.id,
            });
          }
        }
        return findings;
      },
    },
    generateSbom: async (image, inventory, mediaType) => {
      const created = new Date().toISOString();
      if (mediaType === 'application/vnd.cyclonedx+json') {
        return {
          bomFormat: 'CycloneDX',
          specVersion: '1.5',
          serialNumber: `urn:uuid:${randomUUID()}`,
          version: 1,
          metadata: { timestamp: created, component: { type: 'container', name: image.repository, version: image.digest, 'bom-ref': image.digest } },
          components: inventory.packages.map((pkg) => ({ type: 'library', 'bom-ref': pkg.purl, name: pkg.name, version: pkg.version, purl: pkg.purl })),
        };
      }
      return {
        spdxVersion: 'SPDX-2.3',
        dataLicense: 'CC0-1.0',
        SPDXID: 'SPDXRef-DOCUMENT',
        name: `${image.repository}@${image.digest}`,
        documentNamespace: `https://wharf.test/spdx/${randomUUID()}`,
        creationInfo: { created, creators: ['Tool: wharf-scanner-test'] },
        packages: inventory.packages.map((pkg, index) => ({
          SPDXID: `SPDXRef-Package-${index}`,
          name: pkg.name,
          versionInfo: pkg.version,
          downloadLocation: 'NOASSERTION',
          externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
        })),
      };
    },
  };
}
