import { PythonMetadataDetector } from './python-metadata.detector';

describe('PythonMetadataDetector', () => {
  const detector = new PythonMetadataDetector();

  it('reads a wheel METADATA header, not its description', () => {
    const metadata = 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nSummary: Python HTTP for Humans.\nLicense: Apache 2.0\nRequires-Dist: idna (<4,>=2.5)\n\nName: not-this\n';
    expect(detector.parse(Buffer.from(metadata))).toEqual({ packages: [{ ecosystem: 'pypi', name: 'requests', version: '2.31.0', licenses: ['Apache 2.0'] }] });
  });

  it('prefers License-Expression and leaves out UNKNOWN', () => {
    expect(detector.parse(Buffer.from('Name: a\nVersion: 1\nLicense-Expression: MIT\nLicense: whatever\n')).packages?.[0].licenses).toEqual(['MIT']);
    expect(detector.parse(Buffer.from('Name: a\nVersion: 1\nLicense: UNKNOWN\n')).packages?.[0].licenses).toBeUndefined();
  });

  it('wants dist-info METADATA and egg-info PKG-INFO', () => {
    const file = (path: string) => ({ path, size: 1, mode: 0o644 });
    expect(detector.matches(file('usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA'))).toBe(true);
    expect(detector.matches(file('usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO'))).toBe(true);
    expect(detector.matches(file('usr/lib/python3/dist-packages/six-1.16.0.egg-info'))).toBe(true);
    expect(detector.matches(file('usr/lib/python3/dist-packages/requests-2.31.0.dist-info/RECORD'))).toBe(false);
  });
});
