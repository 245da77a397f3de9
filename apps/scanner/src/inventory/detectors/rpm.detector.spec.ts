import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpmDetector } from './rpm.detector';
import { parseSourceRpm } from './rpm-header';

/** Builds real (empty) packages with rpmbuild and installs them into a fresh sqlite rpmdb. */
function rpmdbWith(specs: { name: string; version: string; release: string; epoch?: number; license: string }[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-rpmdb-'));
  try {
    const rpms: string[] = [];
    for (const spec of specs) {
      const file = join(dir, `${spec.name}.spec`);
      writeFileSync(
        file,
        [`Name: ${spec.name}`, `Version: ${spec.version}`, `Release: ${spec.release}`, ...(spec.epoch ? [`Epoch: ${spec.epoch}`] : []), 'Summary: test', `License: ${spec.license}`, 'BuildArch: noarch', '%description', 'test', '%files', ''].join('\n'),
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

describe('RpmDetector', () => {
  it('reads packages from an rpmdb.sqlite rpm itself wrote, with epoch, source rpm and license', async () => {
    const db = rpmdbWith([
      { name: 'wharf-openssl-libs', version: '3.0.7', release: '24.el9', epoch: 1, license: 'ASL 2.0' },
      { name: 'wharf-bash', version: '5.1.8', release: '6.el9_1', license: 'GPLv3+' },
    ]);
    const { packages } = await new RpmDetector().parse(db);
    expect(packages?.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
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
    ]);
  });

  it('names the source package of a binary rpm', () => {
    expect(parseSourceRpm('openssl-3.0.7-24.el9.src.rpm')).toEqual({ name: 'openssl', version: '3.0.7-24.el9' });
    expect(parseSourceRpm('not-an-srpm')).toBeUndefined();
  });
});
