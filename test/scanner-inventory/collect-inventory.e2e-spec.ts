import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { collectInventory } from '../../apps/scanner/src/inventory/collect-inventory';
import type { InstalledPackage } from '../../apps/scanner/src/inventory/inventory';
import { tarOf } from '../support/tar-writer';
import { zipOf } from '../support/zip-writer';
import { imageOf } from './image-of';

/** The paragraphs of this machine's own dpkg database for the named packages, as dpkg wrote them. */
function dpkgStatusOf(names: string[]): string {
  const paragraphs = readFileSync('/var/lib/dpkg/status', 'utf8').split('\n\n');
  const picked = names.map((name) => paragraphs.find((p) => p.startsWith(`Package: ${name}\n`)));
  if (picked.some((p) => !p)) throw new Error(`not installed here: ${names.join(', ')}`);
  return `${picked.join('\n\n')}\n`;
}

/** What dpkg itself says of a package: binary name and version, source name and version. */
function dpkgQuery(name: string): { name: string; version: string; sourceName: string; sourceVersion: string; arch: string } {
  const out = execFileSync('dpkg-query', ['-W', '-f=${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}', name], { encoding: 'utf8' });
  const [pkg, version, sourceName, sourceVersion, arch] = out.split('\t');
  return { name: pkg, version, sourceName, sourceVersion, arch };
}

const summary = (packages: InstalledPackage[]) => packages.map((p) => `${p.ecosystem} ${p.name}@${p.version} ${p.path}`).sort();

const lodashLock = JSON.stringify({
  name: 'app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'app', version: '1.0.0', dependencies: { lodash: '4.17.15' } },
    'node_modules/lodash': {
      version: '4.17.15',
      resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz',
      integrity: 'sha512-8xOcRHvCjnocdS5cpwXQXVzmmh5e5+saE2QGoeQmbKmRS6J3VQppPOIt0MnmE+4xlZoumy0GPG0D0MVIQbNA1A==',
      license: 'MIT',
    },
  },
});

const requestsMetadata = `Metadata-Version: 2.1
Name: requests
Version: 2.25.1
Summary: Python HTTP for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
License: Apache 2.0
Requires-Python: >=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*
Requires-Dist: chardet (<5,>=3.0.2)

Requests: HTTP for Humans
`;

describe('collectInventory on layered images', () => {
  const debianPackages = ['libssl3', 'openssl', 'libc6', 'zlib1g', 'buildah'];
  const osRelease = readFileSync('/usr/lib/os-release');

  it('lists what each layer put in, less what upper layers deleted, with paths, layers and purls', async () => {
    const base = tarOf({
      'usr/lib/os-release': osRelease,
      'var/lib/dpkg/status': dpkgStatusOf(debianPackages),
    });
    const app = tarOf({
      './app/package-lock.json': lodashLock,
      'opt/legacy/node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', version: '1.3.0', license: 'WTFPL' }),
      'usr/lib/python3/dist-packages/requests-2.25.1.dist-info/METADATA': requestsMetadata,
      'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n',
      'usr/local/bin/skopeo': { content: readFileSync('/usr/bin/skopeo'), mode: 0o755 },
      'srv/app.jar': zipOf({ 'META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties': 'groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n' }),
    });
    // apt-get remove buildah rewrites the status file; rm of a dist-info and of a folder's content
    const cleanup = tarOf({
      'var/lib/dpkg/status': dpkgStatusOf([...debianPackages.filter((name) => name !== 'buildah'), 'skopeo']),
      'usr/lib/python3/dist-packages/.wh.six-1.16.0.dist-info': '',
      'opt/legacy/.wh..wh..opq': '',
      'opt/legacy/README': 'moved\n',
    });
    const image = imageOf([base, app, cleanup]);

    const inventory = await collectInventory(image);

    const osFields = Object.fromEntries(osRelease.toString().split('\n').map((l) => l.split('=')).filter((kv) => kv.length === 2).map(([k, v]) => [k, v.replace(/^"|"$/g, '')]));
    expect(inventory.os).toEqual({ family: osFields.ID, version: osFields.VERSION_ID, prettyName: osFields.PRETTY_NAME });
    const debs = debianPackages.filter((name) => name !== 'buildah').map(dpkgQuery);
    const skopeo = dpkgQuery('skopeo');
    const goVersion = /golang-1\.\d+ \(= ([\d.]+)-/.exec(execFileSync('dpkg-query', ['-W', '-f=${Built-Using}', 'skopeo'], { encoding: 'utf8' }))?.[1];
    expect(summary(inventory.packages)).toEqual(
      [
        ...[...debs, skopeo].map((d) => `debian ${d.name}@${d.version} /var/lib/dpkg/status`),
        'npm lodash@4.17.15 /app/package-lock.json',
        'pypi requests@2.25.1 /usr/lib/python3/dist-packages/requests-2.25.1.dist-info/METADATA',
        `go stdlib@${goVersion} /usr/local/bin/skopeo`,
        'maven org.apache.logging.log4j:log4j-core@2.14.1 /srv/app.jar',
      ].sort(),
    );

    for (const deb of debs) {
      const found = inventory.packages.find((p) => p.name === deb.name);
      // the status file was rewritten by the third layer; its packages came with the first
      expect(found).toMatchObject({ sourceName: deb.sourceName, sourceVersion: deb.sourceVersion, layerDigest: image.layers[0].digest });
      expect(found?.purl).toBe(`pkg:deb/debian/${deb.name}@${encodeURIComponent(deb.version)}?arch=${deb.arch}&distro=debian-${osFields.VERSION_ID}`);
    }
    expect(inventory.packages.find((p) => p.name === 'skopeo')?.layerDigest).toBe(image.layers[2].digest);
    const lodash = inventory.packages.find((p) => p.name === 'lodash');
    expect(lodash).toMatchObject({ purl: 'pkg:npm/lodash@4.17.15', layerDigest: image.layers[1].digest, licenses: ['MIT'] });
    expect(inventory.packages.find((p) => p.name === 'requests')?.purl).toBe('pkg:pypi/requests@2.25.1');
    expect(inventory.packages.find((p) => p.name === 'stdlib')?.purl).toBe(`pkg:golang/stdlib@v${goVersion}`);
  });

  it('reads Alpine images: the apk database and the os-release in etc/', async () => {
    const installed = [
      'C:Q1Ts3cQjPQ9dbYnYpJVvnhqUz4EBw=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nI:622592\nT:the musl c library (libc) implementation\nU:https://musl.libc.org/\nL:MIT\no:musl\nm:Timo Teräs <timo.teras@iki.fi>\nt:1698176563\nc:e94e1f1b7ab52a0ba3ed1a5fa28c0d66af8d1b79\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1QzFTDXkR3ZOZ5bHhGvC6uQC0Ig0=\n',
      'C:Q1Aa3Qq6Rz4HMhVcPwhxMgJ8hxvlE=\nP:libcrypto3\nV:3.1.4-r0\nA:x86_64\nL:Apache-2.0\no:openssl\nF:usr/lib\nR:libcrypto.so.3\n',
    ].join('\n');
    const image = imageOf([
      tarOf({ 'etc/os-release': 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\n', 'lib/apk/db/installed': installed }),
    ]);
    const inventory = await collectInventory(image);
    expect(inventory.os).toEqual({ family: 'alpine', version: '3.18.4', prettyName: 'Alpine Linux v3.18' });
    expect(inventory.packages.map((p) => [p.name, p.version, p.sourceName, p.purl])).toEqual([
      ['libcrypto3', '3.1.4-r0', 'openssl', 'pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&distro=alpine-3.18.4'],
      ['musl', '1.2.4-r2', 'musl', 'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.18.4'],
    ]);
  });

  it('counts an npm package installed and locked in the same project once, and a whited-out lockfile not at all', async () => {
    const image = imageOf([
      tarOf({
        'app/package-lock.json': lodashLock,
        'app/node_modules/lodash/package.json': JSON.stringify({ name: 'lodash', version: '4.17.15', license: 'MIT' }),
        'srv/yarn.lock': 'lodash@^4.17.0:\n  version "4.17.21"\n',
      }),
      tarOf({ 'srv/.wh.yarn.lock': '' }),
    ]);
    expect(summary((await collectInventory(image)).packages)).toEqual(['npm lodash@4.17.15 /app/node_modules/lodash/package.json']);
  });

  it('finds nothing in an image without package metadata, and no OS without os-release', async () => {
    expect(await collectInventory(imageOf([tarOf({ 'hello.txt': 'hi\n' })]))).toEqual({ os: null, packages: [] });
  });
});
