import { PnpmLockDetector } from './pnpm-lock.detector';

const parse = (yaml: string) => new PnpmLockDetector().parse(Buffer.from(yaml)).packages?.map((p) => `${p.name}@${p.version}`);

describe('PnpmLockDetector', () => {
  it('reads lockfile 5.4 keys (/name/version, peer suffix after _)', () => {
    const lock = `lockfileVersion: 5.4
packages:
  /lodash/4.17.15:
    resolution: {integrity: sha512-8xOcRHvCjnocdS5cpwXQXVzmmh5e5+saE2QGoeQmbKmRS6J3VQppPOIt0MnmE+4xlZoumy0GPG0D0MVIQbNA1A==}
    dev: false
  /@types/react-dom/18.0.0_react@18.2.0:
    resolution: {integrity: sha512-aa}
    dev: false
  /jest/29.0.0:
    resolution: {integrity: sha512-bb}
    dev: true
`;
    expect(parse(lock)).toEqual(['lodash@4.17.15', '@types/react-dom@18.0.0']);
  });

  it('reads lockfile 6 (/name@version) and 9 (name@version, peers in parentheses)', () => {
    expect(parse(`lockfileVersion: '6.0'\npackages:\n  /lodash@4.17.15:\n    resolution: {integrity: sha512-x}\n  /@scope/pkg@1.2.3(react@18.2.0):\n    resolution: {integrity: sha512-y}\n`)).toEqual([
      'lodash@4.17.15',
      '@scope/pkg@1.2.3',
    ]);
    expect(parse(`lockfileVersion: '9.0'\npackages:\n  lodash@4.17.15:\n    resolution: {integrity: sha512-x}\n  '@scope/pkg@1.2.3':\n    resolution: {integrity: sha512-y}\n`)).toEqual(['lodash@4.17.15', '@scope/pkg@1.2.3']);
  });
});
