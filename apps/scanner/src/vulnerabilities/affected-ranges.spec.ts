import { evaluateAffected } from './affected-ranges';
import { dpkgOrdering } from './versions/dpkg-version';
import { goOrdering } from './versions/go-version';
import { semverOrdering } from './versions/semver-version';
import type { OsvEvent } from './osv-record';

const range = (type: string, ...events: OsvEvent[]) => ({ type, events });
const npm = (version: string, ...ranges: ReturnType<typeof range>[]) => evaluateAffected({ ranges, versions: [] }, version, semverOrdering, semverOrdering);

describe('OSV affected ranges', () => {
  it('is affected from introduced up to fixed, with the fix', () => {
    const r = range('ECOSYSTEM', { introduced: '3.7.0' }, { fixed: '4.17.19' });
    expect(npm('3.6.9', r)).toEqual({ affected: false });
    expect(npm('3.7.0', r)).toEqual({ affected: true, fixVersion: '4.17.19' });
    expect(npm('4.17.18', r)).toEqual({ affected: true, fixVersion: '4.17.19' });
    expect(npm('4.17.19', r)).toEqual({ affected: false });
  });

  it('reads "0" as the lowest version and events in any order', () => {
    const r = range('ECOSYSTEM', { fixed: '1.5.0' }, { introduced: '0' });
    expect(npm('0.0.1', r)).toEqual({ affected: true, fixVersion: '1.5.0' });
  });

  it('ends a span at last_affected, with no fix', () => {
    const r = range('ECOSYSTEM', { introduced: '1.0.0' }, { last_affected: '1.4.0' }, { introduced: '2.0.0' }, { fixed: '2.3.0' });
    expect(npm('1.4.0', r)).toEqual({ affected: true, fixVersion: undefined });
    expect(npm('1.5.0', r)).toEqual({ affected: false });
    expect(npm('2.1.0', r)).toEqual({ affected: true, fixVersion: '2.3.0' });
  });

  it('gives the fix of the branch the version is on', () => {
    const r = range('SEMVER', { introduced: '0' }, { fixed: '1.20.10' }, { introduced: '1.21.0-0' }, { fixed: '1.21.3' });
    const go = (v: string) => evaluateAffected({ ranges: [r], versions: [] }, v, goOrdering, goOrdering);
    expect(go('1.19.0')).toEqual({ affected: true, fixVersion: '1.20.10' });
    expect(go('1.20.12')).toEqual({ affected: false });
    expect(go('go1.21rc2')).toEqual({ affected: true, fixVersion: '1.21.3' });
    expect(go('1.21.3')).toEqual({ affected: false });
  });

  it('takes the lowest fix above the version across ranges', () => {
    expect(npm('1.0.0', range('ECOSYSTEM', { introduced: '0' }, { fixed: '3.0.0' }), range('SEMVER', { introduced: '0' }, { fixed: '2.0.0' }))).toEqual({ affected: true, fixVersion: '2.0.0' });
  });

  it('caps a range at its limit', () => {
    const r = range('ECOSYSTEM', { introduced: '0' }, { limit: '2.0.0' });
    expect(npm('1.9.0', r)).toEqual({ affected: true, fixVersion: undefined });
    expect(npm('2.0.0', r)).toEqual({ affected: false });
  });

  it('matches an explicit versions list', () => {
    expect(evaluateAffected({ ranges: [], versions: ['1.1.1n-0+deb11u3'] }, '1.1.1n-0+deb11u3', dpkgOrdering, semverOrdering)).toEqual({ affected: true });
    expect(evaluateAffected({ ranges: [], versions: ['1.1.1n-0+deb11u3'] }, '1.1.1n-0+deb11u4', dpkgOrdering, semverOrdering)).toEqual({ affected: false });
  });

  it('skips a range whose events or installed version the ordering cannot read, rather than guess', () => {
    expect(npm('1.0.0', range('ECOSYSTEM', { introduced: '0' }, { fixed: 'not-a-version' }))).toEqual({ affected: false });
    expect(npm('latest', range('ECOSYSTEM', { introduced: '0' }, { fixed: '2.0.0' }))).toEqual({ affected: false });
  });
});
