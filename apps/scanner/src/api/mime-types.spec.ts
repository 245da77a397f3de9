import { MIME, normalizeMediaType, reportKindAccepted } from './mime-types';

describe('reportKindAccepted', () => {
  it('reads the report type from Accept as Harbor and others spell it', () => {
    expect(reportKindAccepted(MIME.vulnerabilityReport11)).toMatchObject({ type: 'vulnerability', version: '1.1' });
    expect(reportKindAccepted('application/vnd.security.vulnerability.report;version=1.1')).toMatchObject({ version: '1.1' });
    expect(reportKindAccepted('application/vnd.scanner.adapter.vuln.report.harbor+json; version="1.0"')).toMatchObject({ version: '1.0' });
    expect(reportKindAccepted(MIME.sbomReport)).toMatchObject({ type: 'sbom' });
    expect(reportKindAccepted('text/html, application/vnd.security.sbom.report+json; version=1.0; q=0.9')).toMatchObject({ type: 'sbom' });
  });

  it('answers the v1.1 vulnerability report to no Accept or */*', () => {
    expect(reportKindAccepted(undefined)).toMatchObject({ type: 'vulnerability', version: '1.1' });
    expect(reportKindAccepted('*/*')).toMatchObject({ type: 'vulnerability', version: '1.1' });
  });

  it('knows no other type or version', () => {
    expect(reportKindAccepted('application/vnd.scanner.adapter.vuln.report.raw')).toBeUndefined();
    expect(reportKindAccepted('application/vnd.security.vulnerability.report; version=1.2')).toBeUndefined();
    expect(reportKindAccepted('application/json')).toBeUndefined();
  });
});

describe('normalizeMediaType', () => {
  it('ignores case of the type, spacing, parameter order and quotes', () => {
    expect(normalizeMediaType('Application/X+JSON;b=2; a="1"')).toBe('application/x+json; a=1; b=2');
  });
});
