import initSqlJs, { type SqlJsStatic } from 'sql.js';
import type { DetectedPackage, DetectorResult, FileDetector, LayerFile } from '../detector';
import { bdbHashValues } from './rpm-bdb';
import { parseRpmHeader, parseSourceRpm } from './rpm-header';

let sqlite: Promise<SqlJsStatic> | undefined;

/**
 * RPM packages from `rpmdb.sqlite` (`var/lib/rpm/` or `usr/lib/sysimage/rpm/`: RHEL/UBI 9, Rocky and
 * Alma 9, Fedora 33+, Amazon Linux 2023), read with sql.js (SQLite compiled to WebAssembly: no native
 * build, and Node 20 has no `node:sqlite`), and from the Berkeley DB `var/lib/rpm/Packages` of older
 * releases (RHEL/CentOS 7 and 8, UBI 8, Amazon Linux 2) with a hash-page reader of our own (no
 * maintained JavaScript reader exists). SUSE's `Packages.db` (ndb) is not read.
 * Versions are `version-release`, prefixed by `epoch:` when the epoch is set.
 */
export class RpmDetector implements FileDetector {
  readonly kind = 'file';
  readonly name = 'rpm';
  // held whole, and sql.js copies it once more into its WebAssembly memory
  readonly maxBytes = 96 * 1024 * 1024;

  matches(file: LayerFile): boolean {
    return file.path === 'var/lib/rpm/rpmdb.sqlite' || file.path === 'usr/lib/sysimage/rpm/rpmdb.sqlite' || file.path === 'var/lib/rpm/Packages';
  }

  async parse(content: Buffer, file: LayerFile): Promise<DetectorResult> {
    if (file.path.endsWith('/Packages')) {
      return { packages: bdbHashValues(content).map(rpmPackage).filter((pkg): pkg is DetectedPackage => !!pkg) };
    }
    sqlite ??= initSqlJs();
    const SQL = await sqlite;
    const db = new SQL.Database(content);
    try {
      const packages: DetectedPackage[] = [];
      const statement = db.prepare('SELECT blob FROM Packages');
      while (statement.step()) {
        const [blob] = statement.get() as [Uint8Array];
        const pkg = rpmPackage(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength));
        if (pkg) packages.push(pkg);
      }
      statement.free();
      return { packages };
    } finally {
      db.close();
    }
  }
}

function rpmPackage(blob: Buffer): DetectedPackage | undefined {
  let header;
  try {
    header = parseRpmHeader(blob);
  } catch {
    return undefined;
  }
  // imported signing keys live in the database as pseudo-packages
  if (!header.name || !header.version || header.name === 'gpg-pubkey') return undefined;
  const evr = `${header.version}${header.release ? `-${header.release}` : ''}`;
  const version = header.epoch ? `${header.epoch}:${evr}` : evr;
  const source = header.sourceRpm ? parseSourceRpm(header.sourceRpm) : undefined;
  return {
    ecosystem: 'rpm',
    name: header.name,
    version,
    sourceName: source?.name ?? header.name,
    sourceVersion: source ? (header.epoch ? `${header.epoch}:${source.version}` : source.version) : version,
    ...(header.arch ? { arch: header.arch } : {}),
    ...(header.epoch ? { epoch: header.epoch } : {}),
    ...(header.license ? { licenses: [header.license] } : {}),
  };
}
