import { summariseReport } from './report-summary';

describe('summariseReport', () => {
  it('counts per severity, fixable ones, and takes the highest', () => {
    expect(
      summariseReport({
        vulnerabilities: [
          { id: 'CVE-1', severity: 'High', fix_version: '1.2' },
          { id: 'CVE-2', severity: 'Critical' },
          { id: 'CVE-3', severity: 'Negligible', fix_version: '' },
          { id: 'CVE-4', severity: 'whatever' },
          { id: 'CVE-5', severity: 'high', fix_version: '2' },
        ],
      }),
    ).toEqual({ severity: 'Critical', summary: { total: 5, fixable: 2, summary: { High: 2, Critical: 1, Low: 1, Unknown: 1 } } });
  });

  it('is None with nothing found', () => {
    expect(summariseReport({ vulnerabilities: [] })).toEqual({ severity: 'None', summary: { total: 0, fixable: 0, summary: {} } });
    expect(summariseReport({})).toEqual({ severity: 'None', summary: { total: 0, fixable: 0, summary: {} } });
  });
});
