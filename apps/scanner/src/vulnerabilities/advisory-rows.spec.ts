import { advisoryRowsOf } from './advisory-rows';
import type { OsvRecord } from './osv-record';

const base: OsvRecord = { id: 'TEST-1', modified: '2024-05-01T00:00:00.123456Z' };

describe('advisory rows of an OSV record', () => {
  it('keeps ECOSYSTEM and SEMVER ranges, drops GIT ones, and keeps versions only where no range can be evaluated', () => {
    const { affected } = advisoryRowsOf({
      ...base,
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'Requests' },
          ranges: [
            { type: 'GIT', events: [{ introduced: '0' }, { fixed: 'abc123' }] },
            { type: 'ECOSYSTEM', events: [{ introduced: '2.3.0' }, { fixed: '2.31.0' }] },
          ],
          versions: ['2.3.0', '2.30.0'],
        },
        { package: { ecosystem: 'OSS-Fuzz', name: 'libfoo' }, ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }], versions: ['1.0'] },
        { package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }], versions: ['3.0.9-1'] },
        { package: { ecosystem: 'crates.io', name: 'serde' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] },
        { package: { ecosystem: 'npm', name: 'left-pad' } },
      ],
    });
    expect(affected).toEqual([
      { ecosystem: 'PyPI', name: 'requests', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.3.0' }, { fixed: '2.31.0' }] }], versions: [], vendor_severity: null },
      { ecosystem: 'Debian:12', name: 'openssl', ranges: [], versions: ['3.0.9-1'], vendor_severity: null },
    ]);
  });

  it('keys Red Hat product streams under the major release', () => {
    const { affected } = advisoryRowsOf({
      ...base,
      affected: [{ package: { ecosystem: 'Red Hat:enterprise_linux:9::appstream', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:3.0.7-27.el9' }] }] }],
    });
    expect(affected.map((a) => a.ecosystem)).toEqual(['Red Hat:9']);
  });

  it('keeps the modified time as written, the CVEs, the links with the advisory page first, CWE ids and CVSS', () => {
    const { advisory } = advisoryRowsOf({
      ...base,
      aliases: ['CVE-2020-8203', 'PYSEC-2020-1'],
      summary: 'Prototype Pollution',
      details: 'zipObjectDeep',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H' }],
      references: [{ type: 'WEB', url: 'https://example.com/a' }, { type: 'ADVISORY', url: 'https://example.com/a' }],
      database_specific: { cwe_ids: ['CWE-1321', 'not a cwe'], severity: 'HIGH' },
    });
    expect(advisory).toEqual({
      id: 'TEST-1',
      modified: '2024-05-01T00:00:00.123456Z',
      published: null,
      cve_ids: ['CVE-2020-8203'],
      aliases: ['CVE-2020-8203', 'PYSEC-2020-1'],
      description: 'Prototype Pollution\n\nzipObjectDeep',
      links: ['https://osv.dev/vulnerability/TEST-1', 'https://example.com/a'],
      cwe_ids: ['CWE-1321'],
      cvss_severity: 'High',
      cvss_v3_score: 7.4,
      cvss_v3_vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H',
      cvss_v2_score: null,
      cvss_v2_vector: null,
    });
  });
});
