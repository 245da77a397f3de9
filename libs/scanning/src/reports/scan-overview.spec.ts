import { HARBOR_VULNERABILITY_REPORT_V10, VULNERABILITY_REPORT_V11 } from '../scan-report';
import { acceptedVulnerabilityMimeTypes, mergeReports, mergeScanOverviews, mergeScanStatus, toSbomOverview, toScanOverview, type OverviewRow } from './scan-overview';

const row = (over: Partial<OverviewRow>): OverviewRow => ({
  uuid: 'r1',
  digest: 'sha256:a',
  mime_type: VULNERABILITY_REPORT_V11,
  scan_status: 'Success',
  start_time: new Date('2026-12-01T10:00:00Z'),
  end_time: new Date('2026-12-01T10:00:09.900Z'),
  severity: 'High',
  summary: { total: 1, fixable: 1, summary: { High: 1 } },
  scanner: { name: 's', vendor: 'v', version: '1' },
  ...over,
});

describe('X-Accept-Vulnerabilities', () => {
  it("takes the known types in the client's order, else Harbor's default", () => {
    expect(acceptedVulnerabilityMimeTypes(undefined)).toEqual([VULNERABILITY_REPORT_V11, HARBOR_VULNERABILITY_REPORT_V10]);
    expect(acceptedVulnerabilityMimeTypes('text/plain')).toEqual([VULNERABILITY_REPORT_V11, HARBOR_VULNERABILITY_REPORT_V10]);
    expect(acceptedVulnerabilityMimeTypes(' application/vnd.scanner.adapter.vuln.report.harbor+json ;version=1.0')).toEqual([HARBOR_VULNERABILITY_REPORT_V10]);
    expect(acceptedVulnerabilityMimeTypes(`${HARBOR_VULNERABILITY_REPORT_V10},${VULNERABILITY_REPORT_V11},${HARBOR_VULNERABILITY_REPORT_V10}`)).toEqual([HARBOR_VULNERABILITY_REPORT_V10, VULNERABILITY_REPORT_V11]);
  });
});

describe('scan overviews', () => {
  it('counts whole seconds as Harbor (end - start in Unix seconds, each truncated)', () => {
    expect(toScanOverview(row({})).duration).toBe(9);
  });

  it('keeps the last report in force while a rescan runs, and is 0 % complete', () => {
    const o = toScanOverview(row({ scan_status: 'Running', end_time: null }));
    expect(o).toMatchObject({ scan_status: 'Running', severity: 'High', complete_percent: 0, duration: 0 });
    expect(o.end_time).toBeUndefined();
  });

  it('merges scan states as Harbor: Running, then Success, else the later state', () => {
    expect(mergeScanStatus('Success', 'Running')).toBe('Running');
    expect(mergeScanStatus('Error', 'Success')).toBe('Success');
    expect(mergeScanStatus('Pending', 'Error')).toBe('Error');
    expect(mergeScanStatus('Stopped', 'Pending')).toBe('Stopped');
  });

  it("adds children's summaries up when their reports are not loaded", () => {
    const merged = mergeScanOverviews([row({}), row({ uuid: 'r2', severity: 'Low', summary: { total: 2, fixable: 0, summary: { Low: 2 } }, scan_status: 'Error' })]);
    expect(merged).toMatchObject({ report_id: Buffer.from('r1|r2').toString('base64'), scan_status: 'Success', severity: 'High', summary: { total: 3, fixable: 1, summary: { High: 1, Low: 2 } }, complete_percent: 50 });
  });

  it('merges reports counting a vulnerability once per package and version', () => {
    const a = { generated_at: '1', severity: 'High', vulnerabilities: [{ id: 'CVE-1', package: 'p', version: '1', severity: 'High' }] };
    const b = { generated_at: '2', severity: 'Low', vulnerabilities: [{ id: 'CVE-1', package: 'p', version: '1', severity: 'High' }, { id: 'CVE-2', package: 'p', version: '1', severity: 'Low' }] };
    expect(mergeReports([a, b])).toMatchObject({ generated_at: '2', severity: 'High', vulnerabilities: [{ id: 'CVE-1' }, { id: 'CVE-2' }] });
  });

  it("names the SBOM's digest from the row, or the subject's SBOM accessory once a scan succeeded", () => {
    expect(toSbomOverview(row({ sbom_digest: 'sha256:s' }), 'sha256:t').sbom_digest).toBe('sha256:s');
    expect(toSbomOverview(row({}), 'sha256:t').sbom_digest).toBe('sha256:t');
    expect(toSbomOverview(row({ scan_status: 'Running' }), 'sha256:t').sbom_digest).toBeUndefined();
  });
});
