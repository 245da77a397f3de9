import { OsReleaseDetector, parseOsRelease } from './os-release.detector';

describe('OsReleaseDetector', () => {
  const detector = new OsReleaseDetector();

  it('reads ID, VERSION_ID and PRETTY_NAME, quoted or not', () => {
    const text = 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\nVERSION_ID="11"\nID=debian\n';
    expect(detector.parse(Buffer.from(text))).toEqual({ os: { family: 'debian', version: '11', prettyName: 'Debian GNU/Linux 11 (bullseye)' } });
  });

  it('reads Alpine and unescapes shell quoting', () => {
    expect(detector.parse(Buffer.from("NAME='Alpine Linux'\nID=alpine\nVERSION_ID=3.18.4\n"))).toEqual({ os: { family: 'alpine', version: '3.18.4', prettyName: undefined } });
    expect(parseOsRelease('A="say \\"hi\\""\n')).toEqual({ A: 'say "hi"' });
  });

  it('finds nothing without an ID', () => {
    expect(detector.parse(Buffer.from('NAME=x\n'))).toEqual({});
  });

  it('wants both os-release locations only', () => {
    expect(detector.matches({ path: 'etc/os-release', size: 1, mode: 0o644 })).toBe(true);
    expect(detector.matches({ path: 'usr/lib/os-release', size: 1, mode: 0o644 })).toBe(true);
    expect(detector.matches({ path: 'opt/etc/os-release', size: 1, mode: 0o644 })).toBe(false);
  });
});
