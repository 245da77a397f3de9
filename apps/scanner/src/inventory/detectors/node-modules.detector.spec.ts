import { NodeModulesDetector } from './node-modules.detector';

describe('NodeModulesDetector', () => {
  const detector = new NodeModulesDetector();
  const file = (path: string) => ({ path, size: 100, mode: 0o644 });

  it('wants the package.json at the root of each installed package', () => {
    expect(detector.matches(file('app/node_modules/lodash/package.json'))).toBe(true);
    expect(detector.matches(file('usr/local/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json'))).toBe(true);
    expect(detector.matches(file('app/node_modules/lodash/fp/package.json'))).toBe(false);
    expect(detector.matches(file('app/package.json'))).toBe(false);
  });

  it('reads name, version and licenses in their old and new forms', () => {
    expect(detector.parse(Buffer.from(JSON.stringify({ name: 'lodash', version: '4.17.15', license: 'MIT' })))).toEqual({
      packages: [{ ecosystem: 'npm', name: 'lodash', version: '4.17.15', licenses: ['MIT'] }],
    });
    expect(detector.parse(Buffer.from(JSON.stringify({ name: 'old', version: '0.1.0', licenses: [{ type: 'BSD' }] }))).packages?.[0].licenses).toEqual(['BSD']);
    expect(detector.parse(Buffer.from('{ not json'))).toEqual({});
    expect(detector.parse(Buffer.from('{"name":"no-version"}'))).toEqual({});
  });
});
