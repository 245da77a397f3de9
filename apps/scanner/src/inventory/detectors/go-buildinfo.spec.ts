import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { BUILDINFO_MAGIC, BuildInfoScanner, parseBuildInfoAt, parseModInfo } from './go-buildinfo';
import { GoBinaryDetector, goPackages } from './go-binary.detector';

const SENTINEL_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const SENTINEL_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** the .go.buildinfo section as Go 1.18+ writes it */
function buildInfoSection(goVersion: string, modinfo: string): Buffer {
  const header = Buffer.alloc(32);
  BUILDINFO_MAGIC.copy(header);
  header[14] = 8;
  header[15] = 0x2;
  const mod = Buffer.concat([SENTINEL_START, Buffer.from(modinfo), SENTINEL_END]);
  return Buffer.concat([header, varint(goVersion.length), Buffer.from(goVersion), varint(mod.length), mod]);
}

const modinfo = [
  'path\tgithub.com/example/tool/cmd/tool',
  'mod\tgithub.com/example/tool\tv1.4.2\th1:abc=',
  'dep\tgolang.org/x/net\tv0.7.0\th1:def=',
  'dep\tgithub.com/old/lib\tv1.0.0\th1:ghi=',
  '=>\tgithub.com/fork/lib\tv1.0.1\th1:jkl=',
  'dep\tgithub.com/local/lib\tv0.1.0',
  '=>\t../lib\t',
  'build\t-compiler=gc',
  'build\tCGO_ENABLED=0',
  '',
].join('\n');

describe('Go build info', () => {
  it('reads the main module, dependencies with replacements, and the toolchain', () => {
    const parsed = parseBuildInfoAt(buildInfoSection('go1.21.5', modinfo));
    expect(parsed.state).toBe('done');
    if (parsed.state !== 'done') return;
    expect(parsed.info.goVersion).toBe('go1.21.5');
    expect(parsed.info.path).toBe('github.com/example/tool/cmd/tool');
    expect(goPackages(parsed.info)).toEqual([
      { ecosystem: 'go', name: 'github.com/example/tool', version: '1.4.2' },
      { ecosystem: 'go', name: 'golang.org/x/net', version: '0.7.0' },
      { ecosystem: 'go', name: 'github.com/fork/lib', version: '1.0.1' },
      { ecosystem: 'go', name: 'github.com/local/lib', version: '0.1.0' },
      { ecosystem: 'go', name: 'stdlib', version: '1.21.5' },
    ]);
  });

  it('leaves out a main module built from a work tree', () => {
    expect(goPackages({ goVersion: 'go1.22.0 X:boringcrypto', ...parseModInfo('mod\texample.com/x\t(devel)\t\n') })).toEqual([{ ecosystem: 'go', name: 'stdlib', version: '1.22.0' }]);
  });

  it('finds the section across chunk boundaries, after a stray copy of the magic in the program data', () => {
    const stray = Buffer.concat([BUILDINFO_MAGIC, Buffer.from('not a header, just the string in rodata')]);
    const binary = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(5000, 1), stray, Buffer.alloc(3000, 2), buildInfoSection('go1.20.1', modinfo), Buffer.alloc(7000)]);
    for (const size of [1, 7, 13, 100, 4096]) {
      const scanner = new BuildInfoScanner();
      for (let at = 0; at < binary.length; at += size) scanner.push(binary.subarray(at, at + size));
      expect(scanner.result?.goVersion).toBe('go1.20.1');
      expect(scanner.result?.deps.length).toBe(3);
    }
  });

  it('reads a real Go binary of this machine: skopeo, built by Debian with the Go its Built-Using names', async () => {
    // Debian builds Go programs outside module mode, so only the toolchain is recorded
    const builtUsing = execFileSync('dpkg-query', ['-W', '-f=${Built-Using}', 'skopeo'], { encoding: 'utf8' });
    const golang = /golang-1\.\d+ \(= ([\d.]+)-/.exec(builtUsing)?.[1];
    expect(golang).toBeDefined();
    const result = await new GoBinaryDetector().scan(createReadStream('/usr/bin/skopeo'));
    expect(result.packages).toEqual([{ ecosystem: 'go', name: 'stdlib', version: golang }]);
  });

  it('does not read files that are not ELF executables', async () => {
    const { Readable } = await import('node:stream');
    const script = Buffer.concat([Buffer.from('#!/bin/sh\n'), buildInfoSection('go1.21.0', modinfo)]);
    expect(await new GoBinaryDetector().scan(Readable.from([script]))).toEqual({});
  });
});
