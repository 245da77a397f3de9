import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { RpmDetector } from './rpm.detector';
import { parseSourceRpm } from './rpm-header';

/** Builds real (empty) packages with rpmbuild and installs them into a fresh sqlite rpmdb. */
function rpmdbWith(specs: { name: string; version: string; release: string; epoch?: number; license: string; description?: string }[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-rpmdb-'));
  try {
    const rpms: string[] = [];
    for (const spec of specs) {
      const file = join(dir, `${spec.name}.spec`);
      writeFileSync(
        file,
        [`Name: ${spec.name}`, `Version: ${spec.version}`, `Release: ${spec.release}`, ...(spec.epoch ? [`Epoch: ${spec.epoch}`] : []), 'Summary: test', `License: ${spec.license}`, 'BuildArch: noarch', '%description', spec.description ?? 'test', '%files', ''].join('\n'),
      );
      execFileSync('rpmbuild', ['--define', `_topdir ${join(dir, 'top')}`, '-bb', file], { stdio: 'ignore' });
    }
    for (const name of readdirSync(join(dir, 'top/RPMS/noarch'))) rpms.push(join(dir, 'top/RPMS/noarch', name));
    const db = ['--dbpath', join(dir, 'db'), '--define', '_db_backend sqlite'];
    execFileSync('rpm', [...db, '--initdb']);
    execFileSync('rpm', [...db, '-i', '--nodeps', '--justdb', ...rpms], { stdio: 'ignore' });
    return readFileSync(join(dir, 'db/rpmdb.sqlite'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same packages in the Berkeley DB `Packages` of rpm before 4.16: the header blobs of the sqlite
 * database loaded into a hash database by Berkeley DB's own db_load, keyed by instance number as
 * rpm keys them; rpm's read-only bdb backend must list them back before the detector reads it.
 */
async function bdbPackagesOf(sqlite: Buffer): Promise<Buffer> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(sqlite);
  const rows = db.exec('SELECT hnum, blob FROM Packages')[0].values as [number, Uint8Array][];
  db.close();
  const dir = mkdtempSync(join(tmpdir(), 'wharf-rpmbdb-'));
  try {
    const lines = ['VERSION=3', 'format=bytevalue', 'type=hash', 'HEADER=END'];
    for (const [instance, blob] of rows) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(instance);
      lines.push(` ${key.toString('hex')}`, ` ${Buffer.from(blob).toString('hex')}`);
    }
    lines.push('DATA=END', '');
    writeFileSync(join(dir, 'dump.txt'), lines.join('\n'));
    // 8 KiB pages: the small header fits inline (H_KEYDATA), the large one goes to overflow pages
    execFileSync('db5.3_load', ['-c', 'db_pagesize=8192', '-f', join(dir, 'dump.txt'), '-t', 'hash', join(dir, 'Packages')]);
    const listed = execFileSync('rpm', ['--dbpath', dir, '--define', '_db_backend bdb_ro', '-qa', '--qf', '%{NAME}\n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(listed.trim().split('\n')).toHaveLength(rows.length);
    return readFileSync(join(dir, 'Packages'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const long = 'A description long enough for the header to spill over several Berkeley DB pages. '.repeat(200);

describe('RpmDetector', () => {
  const detector = new RpmDetector();
  let sqlite: Buffer;

  beforeAll(() => {
    sqlite = rpmdbWith([
      { name: 'wharf-openssl-libs', version: '3.0.7', release: '24.el9', epoch: 1, license: 'ASL 2.0' },
      { name: 'wharf-bash', version: '5.1.8', release: '6.el9_1', license: 'GPLv3+', description: long },
    ]);
  });

  const expected = [
      { ecosystem: 'rpm', name: 'wharf-bash', version: '5.1.8-6.el9_1', sourceName: 'wharf-bash', sourceVersion: '5.1.8-6.el9_1', arch: 'noarch', licenses: ['GPLv3+'] },
      {
        ecosystem: 'rpm',
        name: 'wharf-openssl-libs',
        version: '1:3.0.7-24.el9',
        sourceName: 'wharf-openssl-libs',
        sourceVersion: '1:3.0.7-24.el9',
        arch: 'noarch',
        epoch: 1,
        licenses: ['ASL 2.0'],
      },
  ];

  it('reads packages from an rpmdb.sqlite rpm itself wrote, with epoch, source rpm and license', async () => {
    const { packages } = await detector.parse(sqlite, { path: 'var/lib/rpm/rpmdb.sqlite', size: sqlite.length, mode: 0o644 });
    expect(packages?.sort((a, b) => a.name.localeCompare(b.name))).toEqual(expected);
  });

  it('reads the same packages from a Berkeley DB Packages, inline and on overflow pages', async () => {
    const bdb = await bdbPackagesOf(sqlite);
    expect(detector.matches({ path: 'var/lib/rpm/Packages', size: bdb.length, mode: 0o644 })).toBe(true);
    const { packages } = await detector.parse(bdb, { path: 'var/lib/rpm/Packages', size: bdb.length, mode: 0o644 });
    expect(packages?.sort((a, b) => a.name.localeCompare(b.name))).toEqual(expected);
  });

  it('names the source package of a binary rpm', () => {
    expect(parseSourceRpm('openssl-3.0.7-24.el9.src.rpm')).toEqual({ name: 'openssl', version: '3.0.7-24.el9' });
    expect(parseSourceRpm('not-an-srpm')).toBeUndefined();
  });
});
