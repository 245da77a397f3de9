import { cvssBaseScore, cvssScoresOf, maxSeverity, severityOfScore, vendorSeverityOf, vendorSeverityOfWord } from './advisory-severity';

describe('advisory severity', () => {
  it('scores CVSS v3.1, v3.0, v4.0 and v2 vectors with the calculator', () => {
    expect(cvssBaseScore({ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H' })).toBe(7.4);
    expect(cvssBaseScore({ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' })).toBe(9.8);
    expect(cvssBaseScore({ type: 'CVSS_V3', score: 'CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N' })).toBe(5.4);
    expect(cvssBaseScore({ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N' })).toBe(6.1);
    expect(cvssBaseScore({ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' })).toBe(9.3);
    expect(cvssBaseScore({ type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' })).toBe(7.5);
  });

  it('reads nothing from a vector it cannot parse or a type it does not know', () => {
    expect(cvssBaseScore({ type: 'CVSS_V3', score: 'garbage' })).toBeNull();
    expect(cvssBaseScore({ type: 'CVSS_V3', score: 'CVSS:3.1/AV:X' })).toBeNull();
    expect(cvssBaseScore({ type: 'CVSS_V4', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' })).toBeNull();
    expect(cvssBaseScore({ type: 'Ubuntu', score: 'high' })).toBeNull();
  });

  it('bands scores as CVSS does', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(severityOfScore)).toEqual(['Unknown', 'Low', 'Low', 'Medium', 'Medium', 'High', 'High', 'Critical', 'Critical']);
  });

  it('prefers a v3.1 vector, then v3.0, then v4.0 for the severity, and keeps v3 and v2 as preferred_cvss', () => {
    expect(
      cvssScoresOf([
        { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' },
        { type: 'CVSS_V3', score: 'CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N' },
        { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H' },
        { type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
      ]),
    ).toEqual({
      severity: 'High',
      preferred: { score_v3: 7.4, vector_v3: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H', score_v2: 7.5, vector_v2: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
    });
    expect(cvssScoresOf([{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }])).toEqual({ severity: 'Critical', preferred: undefined });
    expect(cvssScoresOf(undefined)).toEqual({ severity: null, preferred: undefined });
  });

  it('reads the databases\' own ratings: Debian urgency, GitHub, Ubuntu', () => {
    expect(['unimportant', 'low**', 'medium', 'high', 'not yet assigned', 'end-of-life', 'MODERATE', 'CRITICAL', 'negligible', 'Important', 7].map(vendorSeverityOfWord)).toEqual([
      'Low', 'Low', 'Medium', 'High', null, null, 'Medium', 'Critical', 'Low', 'High', null,
    ]);
    const record = { id: 'X', modified: '2024-01-01T00:00:00Z', database_specific: { severity: 'HIGH' } };
    expect(vendorSeverityOf(record, { ecosystem_specific: { urgency: 'low' } })).toBe('Low');
    expect(vendorSeverityOf(record, { ecosystem_specific: { urgency: 'not yet assigned' } })).toBe('High');
    expect(vendorSeverityOf({ id: 'UBUNTU-CVE-1', modified: '2024-01-01T00:00:00Z', severity: [{ type: 'Ubuntu', score: 'medium' }] }, {})).toBe('Medium');
    expect(vendorSeverityOf({ id: 'GO-1', modified: '2024-01-01T00:00:00Z' }, {})).toBeNull();
  });

  it('takes the higher of two severities', () => {
    expect(maxSeverity('Low', 'High')).toBe('High');
    expect(maxSeverity('Critical', 'Unknown')).toBe('Critical');
  });
});
