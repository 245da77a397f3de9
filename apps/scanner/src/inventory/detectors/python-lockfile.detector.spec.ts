import { parsePipfileLock, parsePoetryLock, parseRequirements, PythonLockfileDetector } from './python-lockfile.detector';

const names = (packages: { name: string; version: string }[]) => packages.map((p) => `${p.name}@${p.version}`);

describe('Python lockfiles', () => {
  it('reads poetry.lock package tables, without dev ones', () => {
    const lock = `[[package]]
name = "certifi"
version = "2023.7.22"
description = "Python package for providing Mozilla's CA Bundle."
optional = false
python-versions = ">=3.6"

[package.dependencies]
version = "not-this"

[[package]]
name = "pytest"
version = "7.4.0"
category = "dev"

[[package]]
name = "urllib3"
version = "1.26.5"

[metadata]
lock-version = "2.0"
`;
    expect(names(parsePoetryLock(lock))).toEqual(['certifi@2023.7.22', 'urllib3@1.26.5']);
  });

  it('reads Pipfile.lock default packages pinned with ==', () => {
    const lock = JSON.stringify({ _meta: {}, default: { django: { version: '==3.2.1' }, vcs: { git: 'x' } }, develop: { pytest: { version: '==7.0.0' } } });
    expect(names(parsePipfileLock(lock))).toEqual(['django@3.2.1']);
  });

  it('reads pinned requirements only', () => {
    const text = '# pinned\nflask==2.0.1\nrequests[socks]==2.25.0 ; python_version >= "3.6"\nurllib3 == 1.26.4 --hash=sha256:abc \\\nnumpy>=1.20\n-r other.txt\ngit+https://example.invalid/x.git\n';
    expect(names(parseRequirements(text))).toEqual(['flask@2.0.1', 'requests@2.25.0', 'urllib3@1.26.4']);
  });

  it('wants lockfiles of applications, not of installed packages', () => {
    const detector = new PythonLockfileDetector();
    const file = (path: string) => ({ path, size: 1, mode: 0o644 });
    expect(detector.matches(file('app/requirements.txt'))).toBe(true);
    expect(detector.matches(file('app/poetry.lock'))).toBe(true);
    expect(detector.matches(file('usr/lib/python3/site-packages/x/requirements.txt'))).toBe(false);
  });
});
