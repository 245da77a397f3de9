import { NpmLockfileDetector, parsePackageLock } from './npm-lockfile.detector';

const names = (packages: { name: string; version: string }[]) => packages.map((p) => `${p.name}@${p.version}`).sort();

describe('NpmLockfileDetector', () => {
  it('reads a lockfile v1 tree, leaving out dev dependencies and non-registry versions', () => {
    const lock = {
      lockfileVersion: 1,
      dependencies: {
        lodash: { version: '4.17.15' },
        express: { version: '4.17.1', dependencies: { debug: { version: '2.6.9' } } },
        jest: { version: '29.0.0', dev: true },
        mine: { version: 'file:../mine' },
      },
    };
    expect(names(parsePackageLock(lock))).toEqual(['debug@2.6.9', 'express@4.17.1', 'lodash@4.17.15']);
  });

  it('reads lockfile v2 and v3 packages by install path, scoped and nested, without the root or links', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', version: '1.0.0' },
        'node_modules/lodash': { version: '4.17.15', license: 'MIT' },
        'node_modules/@babel/core': { version: '7.22.0' },
        'node_modules/a/node_modules/lodash': { version: '4.17.21' },
        'node_modules/typescript': { version: '5.0.0', dev: true },
        'node_modules/ws': { resolved: 'packages/ws', link: true },
        'packages/ws': { name: 'ws', version: '0.0.1' },
      },
    };
    expect(names(parsePackageLock(lock))).toEqual(['@babel/core@7.22.0', 'lodash@4.17.15', 'lodash@4.17.21']);
    expect(parsePackageLock(lock).find((p) => p.version === '4.17.15')?.licenses).toEqual(['MIT']);
    expect(names(parsePackageLock({ ...lock, lockfileVersion: 2, dependencies: { ignored: { version: '1.0.0' } } }))).toEqual(names(parsePackageLock(lock)));
  });

  it('wants package-lock.json and npm-shrinkwrap.json outside node_modules', () => {
    const detector = new NpmLockfileDetector();
    expect(detector.matches({ path: 'app/package-lock.json', size: 1, mode: 0o644 })).toBe(true);
    expect(detector.matches({ path: 'npm-shrinkwrap.json', size: 1, mode: 0o644 })).toBe(true);
    expect(detector.matches({ path: 'app/node_modules/x/package-lock.json', size: 1, mode: 0o644 })).toBe(false);
  });
});
