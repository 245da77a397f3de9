import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { DigestCheck, LayerDecoder } from './layer-decoder';

const digest = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const zstd = (data: Buffer) => execFileSync('zstd', ['-q', '-c'], { input: data, maxBuffer: 1 << 30 });

/** Feeds `data` in chunks of `chunk` bytes through a fresh decoder; returns what came out. */
async function decode(data: Buffer, chunk = 7): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += chunk) pieces.push(data.subarray(offset, offset + chunk));
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), new LayerDecoder(), new Writable({ write: (c: Buffer, _e, done) => (out.push(c), done()) }));
  return Buffer.concat(out);
}

describe('LayerDecoder', () => {
  const tar = Buffer.concat([Buffer.from('not really a tar, but bytes '), randomBytes(200_000)]);

  it('undoes gzip and zstd, and passes an uncompressed layer through, whatever the chunking', async () => {
    expect((await decode(gzipSync(tar))).equals(tar)).toBe(true);
    expect((await decode(zstd(tar), 3)).equals(tar)).toBe(true);
    expect((await decode(tar, 65_536)).equals(tar)).toBe(true);
  });

  it('passes on a layer shorter than any magic number, and an empty one', async () => {
    expect((await decode(Buffer.from('ab'))).toString()).toBe('ab');
    expect((await decode(Buffer.alloc(0))).length).toBe(0);
  });

  it('fails on a truncated compressed layer (corrupt bytes are for the digest check to find)', async () => {
    const zst = zstd(tar);
    await expect(decode(zst.subarray(0, zst.length - 100))).rejects.toThrow();
    const gz = gzipSync(tar);
    await expect(decode(gz.subarray(0, gz.length - 100))).rejects.toThrow();
  });

  it('holds back while its reader is slow (never the whole layer in memory)', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024); // zeros: compresses to almost nothing
    const decoder = new LayerDecoder();
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 64 * 1024,
      write: (_chunk: Buffer, _e, done) => {
        maxBuffered = Math.max(maxBuffered, decoder.readableLength);
        setImmediate(done);
      },
    });
    await pipeline(Readable.from([gzipSync(big)]), decoder, slow);
    expect(maxBuffered).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('DigestCheck', () => {
  const data = randomBytes(10_000);
  const run = (expected: string, size: number) => pipeline(Readable.from([data]), new DigestCheck(expected, size), new Writable({ write: (_c, _e, done) => done() }));

  it('lets the right bytes through', async () => {
    await expect(run(digest(data), data.length)).resolves.toBeUndefined();
  });

  it('fails on other bytes, or another length', async () => {
    await expect(run(digest(Buffer.from('x')), data.length)).rejects.toThrow(/hashes to/);
    await expect(run(digest(data), data.length + 1)).rejects.toThrow(/has 10000 bytes/);
    await expect(run(digest(data), data.length - 1)).rejects.toThrow(/longer than/);
  });
});
