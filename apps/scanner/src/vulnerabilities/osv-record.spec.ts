import { cveIdsOf, InvalidOsvRecordError, linksOf, parseOsvRecord } from './osv-record';

describe('OSV records', () => {
  it('refuses what is not a record, naming its source', () => {
    expect(() => parseOsvRecord('{', 'a.json')).toThrow(InvalidOsvRecordError);
    expect(() => parseOsvRecord('[]', 'a.json')).toThrow('a.json: not an OSV record (not a JSON object)');
    expect(() => parseOsvRecord('{"id":"X"}', 'a.json')).toThrow('a.json: not an OSV record (no valid modified time)');
    expect(() => parseOsvRecord('{"id":"X","modified":"2024-01-01T00:00:00Z","affected":{}}', 'a.json')).toThrow('affected is not a list');
    expect(parseOsvRecord('{"id":"X","modified":"2024-01-01T00:00:00.123456789Z"}', 'a.json').id).toBe('X');
  });

  it('finds the CVEs in aliases and upstream, or in the id of a distribution\'s record, never in related', () => {
    const record = { modified: '2024-01-01T00:00:00Z' };
    expect(cveIdsOf({ ...record, id: 'GHSA-p6mc-m468-83gw', aliases: ['CVE-2020-8203'] })).toEqual(['CVE-2020-8203']);
    expect(cveIdsOf({ ...record, id: 'DSA-5343-1', upstream: ['CVE-2023-0286', 'CVE-2022-4304'] })).toEqual(['CVE-2022-4304', 'CVE-2023-0286']);
    expect(cveIdsOf({ ...record, id: 'ALPINE-CVE-2023-5363' })).toEqual(['CVE-2023-5363']);
    expect(cveIdsOf({ ...record, id: 'CVE-2024-1234' })).toEqual(['CVE-2024-1234']);
    expect(cveIdsOf({ ...record, id: 'GHSA-xxxx-yyyy-zzzz', related: ['CVE-2024-12345'] })).toEqual([]);
  });

  it('links the osv.dev page first, then each reference once', () => {
    expect(linksOf({ id: 'DSA-5343-1', modified: '2024-01-01T00:00:00Z', references: [{ url: 'https://www.debian.org/security/2023/dsa-5343' }, { url: 'https://www.debian.org/security/2023/dsa-5343' }] })).toEqual([
      'https://osv.dev/vulnerability/DSA-5343-1',
      'https://www.debian.org/security/2023/dsa-5343',
    ]);
  });
});
