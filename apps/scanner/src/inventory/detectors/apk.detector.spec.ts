import { parseApkInstalled } from './apk.detector';

// the shape of Alpine 3.18's lib/apk/db/installed (file lists shortened)
const installed = `C:Q1Ts3cQjPQ9dbYnYpJVvnhqUz4EBw=
P:musl
V:1.2.4-r2
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1698176563
c:e94e1f1b7ab52a0ba3ed1a5fa28c0d66af8d1b79
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1QzFTDXkR3ZOZ5bHhGvC6uQC0Ig0=

C:Q1Aa3Qq6Rz4HMhVcPwhxMgJ8hxvlE=
P:libcrypto3
V:3.1.4-r0
A:x86_64
L:Apache-2.0
o:openssl
F:usr/lib
R:libcrypto.so.3
`;

describe('parseApkInstalled', () => {
  it('reads name, version, origin, arch and license of each entry', () => {
    expect(parseApkInstalled(installed)).toEqual([
      { ecosystem: 'alpine', name: 'musl', version: '1.2.4-r2', sourceName: 'musl', sourceVersion: '1.2.4-r2', arch: 'x86_64', licenses: ['MIT'] },
      { ecosystem: 'alpine', name: 'libcrypto3', version: '3.1.4-r0', sourceName: 'openssl', sourceVersion: '3.1.4-r0', arch: 'x86_64', licenses: ['Apache-2.0'] },
    ]);
  });
});
