import { SqlClient } from '@wharf/db';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstalledPackage, Inventory } from '../../apps/scanner/src/inventory/inventory';
import { AdvisoryStore } from '../../apps/scanner/src/vulnerabilities/advisory-store';
import { OsvImporter } from '../../apps/scanner/src/vulnerabilities/osv-importer';
import { OsvMatcher } from '../../apps/scanner/src/vulnerabilities/osv-matcher';
import type { VulnerabilityFinding } from '../../apps/scanner/src/vulnerabilities/vulnerability-finding';
import { FIXTURES, startScannerDatabase, zipDirectory, type ScannerDatabase } from './osv-database';

const deb = (name: string, version: string, source?: { name: string; version?: string }): InstalledPackage => ({
  ecosystem: 'debian',
  name,
  version,
  sourceName: source?.name,
  sourceVersion: source?.version,
  path: '/var/lib/dpkg/status',
  purl: `pkg:deb/debian/${name}@${version}?distro=debian-11`,
});
const apk = (name: string, version: string, origin?: string): InstalledPackage => ({
  ecosystem: 'alpine',
  name,
  version,
  sourceName: origin,
  path: '/lib/apk/db/installed',
  purl: `pkg:apk/alpine/${name}@${version}`,
});
const lang = (ecosystem: InstalledPackage['ecosystem'], name: string, version: string): InstalledPackage => ({
  ecosystem,
  name,
  version,
  path: '/app/lockfile',
  purl: `pkg:${ecosystem}/${name}@${version}`,
});

const debian11 = (packages: InstalledPackage[]): Inventory => ({ os: { family: 'debian', version: '11' }, packages });
const alpine318 = (packages: InstalledPackage[]): Inventory => ({ os: { family: 'alpine', version: '3.18.4' }, packages });
const noOs = (packages: InstalledPackage[]): Inventory => ({ os: null, packages });

/** What a report would say of each finding: package, version, id, fix. */
const summary = (findings: VulnerabilityFinding[]) =>
  findings.map((f) => `${f.package.name} ${f.package.version} ${f.id} -> ${f.fixVersion ?? 'no fix'}`).sort();

describe('the scanner vulnerability database (OSV import and matching)', () => {
  let db: ScannerDatabase;
  let importer: OsvImporter;
  let matcher: OsvMatcher;
  let work: string;

  beforeAll(async () => {
    db = await startScannerDatabase();
    importer = db.app.get(OsvImporter);
    matcher = db.app.get(OsvMatcher);
    work = await mkdtemp(join(tmpdir(), 'wharf-osv-test-'));
  });

  afterAll(async () => {
    await db?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('knows no update time before anything is imported', async () => {
    expect(await matcher.databaseUpdatedAt()).toBeNull();
    expect(await matcher.match(debian11([deb('openssl', '1.1.1n-0+deb11u3')]))).toEqual([]);
  });

  it('imports a directory of records and records the newest modified time', async () => {
    const result = await importer.import(FIXTURES);
    expect(result).toMatchObject({ read: 8, written: 8, unchanged: 0, withdrawn: 0, ignored: 0, invalid: 0, newestModified: '2025-05-12T08:14:08.446291Z' });
    expect(await db.app.get(AdvisoryStore).counts()).toEqual({ advisories: 8, affectedPackages: 12 });
    expect((await matcher.databaseUpdatedAt())?.toISOString()).toBe('2025-05-12T08:14:08.446Z');
  });

  it('finds the OpenSSL advisories of Debian 11 through the source package, with the fixed version', async () => {
    const findings = await matcher.match(debian11([deb('openssl', '1.1.1n-0+deb11u3'), deb('libssl1.1', '1.1.1n-0+deb11u3', { name: 'openssl' }), deb('bash', '5.1-2+deb11u1')]));
    const cves = ['CVE-2022-4304', 'CVE-2022-4450', 'CVE-2023-0215', 'CVE-2023-0286'];
    expect(summary(findings)).toEqual(
      [...cves.map((id) => `libssl1.1 1.1.1n-0+deb11u3 ${id} -> 1.1.1n-0+deb11u4`), ...cves.map((id) => `openssl 1.1.1n-0+deb11u3 ${id} -> 1.1.1n-0+deb11u4`)].sort(),
    );
    // CVE-2023-0286 is reported by DSA-5343-1 and DEBIAN-CVE-2023-0286: one finding, both advisories' pages
    const merged = findings.find((f) => f.package.name === 'openssl' && f.id === 'CVE-2023-0286')!;
    expect(merged.links).toEqual(expect.arrayContaining(['https://osv.dev/vulnerability/DSA-5343-1', 'https://osv.dev/vulnerability/DEBIAN-CVE-2023-0286', 'https://www.debian.org/security/2023/dsa-5343']));
    expect(['DSA-5343-1', 'DEBIAN-CVE-2023-0286']).toContain(merged.advisoryId);
    expect(merged.severity).toBe('Unknown');
    // the DSA's finding links its own page first
    const dsaOnly = findings.find((f) => f.package.name === 'openssl' && f.id === 'CVE-2022-4304')!;
    expect(dsaOnly).toMatchObject({ advisoryId: 'DSA-5343-1', links: ['https://osv.dev/vulnerability/DSA-5343-1', 'https://www.debian.org/security/2023/dsa-5343'] });
  });

  it('reports nothing for the fixed version, nor for another release\'s advisory (DLA-3325-1 is Debian 10)', async () => {
    expect(await matcher.match(debian11([deb('openssl', '1.1.1n-0+deb11u4'), deb('libssl1.1', '1.1.1n-0+deb11u5', { name: 'openssl' })]))).toEqual([]);
    const buster = await matcher.match({ os: { family: 'debian', version: '10' }, packages: [deb('openssl', '1.1.1n-0+deb10u3')] });
    expect(summary(buster)).toEqual(['CVE-2022-2097', 'CVE-2022-4304', 'CVE-2022-4450', 'CVE-2023-0215', 'CVE-2023-0286'].map((id) => `openssl 1.1.1n-0+deb10u3 ${id} -> 1.1.1n-0+deb10u4`));
    // without os-release the package URL's distro qualifier names the release
    expect(summary(await matcher.match(noOs([deb('openssl', '1.1.1n-0+deb11u3')])))).toHaveLength(4);
  });

  it('matches Alpine 3.18.4 packages in Alpine:v3.18 through their origin', async () => {
    const findings = await matcher.match(alpine318([apk('openssl', '3.1.3-r0'), apk('libcrypto3', '3.1.3-r0', 'openssl'), apk('libssl3', '3.1.4-r0', 'openssl'), apk('busybox', '1.36.1-r2')]));
    expect(summary(findings)).toEqual(['libcrypto3 3.1.3-r0 CVE-2023-5363 -> 3.1.4-r0', 'openssl 3.1.3-r0 CVE-2023-5363 -> 3.1.4-r0']);
    expect(findings[0]).toMatchObject({ advisoryId: 'ALPINE-CVE-2023-5363', links: expect.arrayContaining(['https://osv.dev/vulnerability/ALPINE-CVE-2023-5363']) });
    // 3.0.x is Alpine 3.17's fix line: on 3.17 3.0.11-r0 is affected, 3.0.12-r0 is not
    const v317 = (version: string) => matcher.match({ os: { family: 'alpine', version: '3.17.5' }, packages: [apk('openssl', version)] });
    expect(summary(await v317('3.0.11-r0'))).toEqual(['openssl 3.0.11-r0 CVE-2023-5363 -> 3.0.12-r0']);
    expect(await v317('3.0.12-r0')).toEqual([]);
  });

  it('reports lodash below 4.17.19 with its CVE, CVSS, CWE ids and GHSA page', async () => {
    const findings = await matcher.match(noOs([lang('npm', 'lodash', '4.17.15'), lang('npm', 'lodash', '4.17.19'), lang('npm', 'lodash', '4.17.21'), lang('npm', 'lodash', '3.6.0')]));
    expect(findings).toEqual([
      expect.objectContaining({
        id: 'CVE-2020-8203',
        advisoryId: 'GHSA-p6mc-m468-83gw',
        fixVersion: '4.17.19',
        severity: 'High',
        cweIds: ['CWE-1321', 'CWE-770'],
        preferredCvss: { score_v3: 7.4, vector_v3: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H' },
        package: expect.objectContaining({ version: '4.17.15' }),
      }),
    ]);
    expect(findings[0].links.slice(0, 2)).toEqual(['https://osv.dev/vulnerability/GHSA-p6mc-m468-83gw', 'https://nvd.nist.gov/vuln/detail/CVE-2020-8203']);
    expect(findings[0].description).toMatch(/^Prototype Pollution in lodash\n\nVersions of lodash prior to 4.17.19/);
  });

  it('reports a PyPI CVE once although GitHub and PyPA both publish it, whatever the spelling of the name', async () => {
    const findings = await matcher.match(noOs([lang('pypi', 'Requests', '2.30.0'), lang('pypi', 'requests', '2.31.0')]));
    expect(summary(findings)).toEqual(['Requests 2.30.0 CVE-2023-32681 -> 2.31.0']);
    expect(findings[0]).toMatchObject({ severity: 'Medium', cweIds: ['CWE-200'], preferredCvss: { score_v3: 6.1 } });
    expect(findings[0].links).toEqual(expect.arrayContaining(['https://osv.dev/vulnerability/GHSA-j8r2-6x86-q33q', 'https://osv.dev/vulnerability/PYSEC-2023-74']));
  });

  it('matches Go modules, pseudo-versions and the standard library on each release branch', async () => {
    const go = (name: string, version: string) => lang('go', name, version);
    const findings = await matcher.match(
      noOs([
        go('golang.org/x/net', 'v0.15.0'),
        go('golang.org/x/net', 'v0.0.0-20230905200255-921286631fa9'),
        go('golang.org/x/net', 'v0.17.0'),
        go('stdlib', 'go1.21.1'),
        go('stdlib', '1.20.9'),
        go('stdlib', '1.20.10'),
        go('stdlib', 'go1.21.3'),
      ]),
    );
    expect(summary(findings)).toEqual([
      'golang.org/x/net v0.0.0-20230905200255-921286631fa9 CVE-2023-39325 -> 0.17.0',
      'golang.org/x/net v0.15.0 CVE-2023-39325 -> 0.17.0',
      'stdlib 1.20.9 CVE-2023-39325 -> 1.20.10',
      'stdlib go1.21.1 CVE-2023-39325 -> 1.21.3',
    ]);
  });

  it('matches an inventory of hundreds of packages in two queries, whatever its size', async () => {
    const sql = db.app.get(SqlClient);
    const queries = jest.spyOn(sql, 'query');
    try {
      const packages = [
        ...Array.from({ length: 300 }, (_, i) => deb(`package-${i}`, '1.0-1')),
        deb('openssl', '1.1.1n-0+deb11u3'),
        ...Array.from({ length: 100 }, (_, i) => lang('npm', `module-${i}`, '1.0.0')),
        lang('npm', 'lodash', '4.17.15'),
      ];
      const findings = await matcher.match(debian11(packages));
      expect(summary(findings).filter((line) => line.startsWith('lodash'))).toEqual(['lodash 4.17.15 CVE-2020-8203 -> 4.17.19']);
      expect(findings.filter((f) => f.package.name === 'openssl')).toHaveLength(4);
      expect(queries).toHaveBeenCalledTimes(2);
    } finally {
      queries.mockRestore();
    }
  });

  it('re-imports incrementally: only newer records are written, withdrawn ones removed', async () => {
    const directory = join(work, 'changed');
    await cp(FIXTURES, directory, { recursive: true });
    const lodash = JSON.parse(await readFile(join(directory, 'GHSA-p6mc-m468-83gw.json'), 'utf8'));
    lodash.modified = '2025-06-01T00:00:00Z';
    lodash.affected[0].ranges[0].events[1].fixed = '4.17.20';
    await writeFile(join(directory, 'GHSA-p6mc-m468-83gw.json'), JSON.stringify(lodash));
    const alpine = JSON.parse(await readFile(join(directory, 'ALPINE-CVE-2023-5363.json'), 'utf8'));
    await writeFile(join(directory, 'ALPINE-CVE-2023-5363.json'), JSON.stringify({ ...alpine, modified: '2025-06-02T00:00:00Z', withdrawn: '2025-06-02T00:00:00Z' }));
    // an older copy of a record never replaces the stored one
    const requests = JSON.parse(await readFile(join(directory, 'GHSA-j8r2-6x86-q33q.json'), 'utf8'));
    await writeFile(join(directory, 'GHSA-j8r2-6x86-q33q.json'), JSON.stringify({ ...requests, modified: '2020-01-01T00:00:00Z', affected: [] }));
    await writeFile(join(directory, 'not-a-record.json'), '{"id": 1}');

    const again = await importer.import(FIXTURES);
    expect(again).toMatchObject({ read: 8, written: 0, unchanged: 8 });

    const changed = await importer.import(directory);
    expect(changed).toMatchObject({ read: 9, written: 1, unchanged: 6, withdrawn: 1, invalid: 1 });
    expect(changed.problems).toEqual([expect.stringContaining('not-a-record.json: not an OSV record (no id)')]);
    expect(summary(await matcher.match(noOs([lang('npm', 'lodash', '4.17.19')])))).toEqual(['lodash 4.17.19 CVE-2020-8203 -> 4.17.20']);
    expect(await matcher.match(alpine318([apk('openssl', '3.1.3-r0')]))).toEqual([]);
    expect(summary(await matcher.match(noOs([lang('pypi', 'requests', '2.30.0')])))).toEqual(['requests 2.30.0 CVE-2023-32681 -> 2.31.0']);
    expect((await matcher.databaseUpdatedAt())?.toISOString()).toBe('2025-06-02T00:00:00.000Z');
  });

  describe('from an all.zip', () => {
    let fromZip: ScannerDatabase;

    beforeAll(async () => {
      fromZip = await startScannerDatabase();
    });

    afterAll(async () => {
      await fromZip?.close();
    });

    it('imports the same records and matches the same findings as from the directory', async () => {
      const zip = join(work, 'all.zip');
      await zipDirectory(FIXTURES, zip);
      const result = await fromZip.app.get(OsvImporter).import(zip);
      expect(result).toMatchObject({ read: 8, written: 8, invalid: 0 });
      expect(await fromZip.app.get(OsvImporter).import(zip)).toMatchObject({ read: 8, written: 0, unchanged: 8 });
      const inventory = debian11([deb('openssl', '1.1.1n-0+deb11u3'), deb('libssl1.1', '1.1.1n-0+deb11u3', { name: 'openssl' })]);
      const fresh = await startScannerDatabase();
      try {
        await fresh.app.get(OsvImporter).import(FIXTURES);
        expect(summary(await fromZip.app.get(OsvMatcher).match(inventory))).toEqual(summary(await fresh.app.get(OsvMatcher).match(inventory)));
      } finally {
        await fresh.close();
      }
    });

    it('refuses a file that is not a zip archive, naming it', async () => {
      const bogus = join(work, 'bogus.zip');
      await writeFile(bogus, 'not a zip');
      await expect(fromZip.app.get(OsvImporter).import(bogus)).rejects.toThrow(/bogus.zip: not a readable zip archive/);
    });
  });
});
