import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ArchiveError, readTar } from './tar-reader';

const limits = { maxArchiveBytes: 10 * 1024 * 1024, maxFileBytes: 1024 * 1024 };

/** An archive written by GNU tar (ustar/gnu format, long names included), gzipped or not. */
function gnuTar(files: Record<string, string>, gzip: boolean): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-tar-spec-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, 'src', name, '..'), { recursive: true });
    writeFileSync(join(dir, 'src', name), content);
  }
  const out = join(dir, gzip ? 'a.tgz' : 'a.tar');
  execFileSync('tar', [gzip ? '-czf' : '-cf', out, '-C', join(dir, 'src'), ...Object.keys(files)]);
  return readFileSync(out);
}

describe('readTar', () => {
  it('keeps the wanted files of a gzipped tar and lists every file', async () => {
    const long = `chart/${'d'.repeat(120)}/README.md`;
    const archive = gnuTar({ 'chart/Chart.yaml': 'name: chart\n', 'chart/values.yaml': 'a: 1\n'.repeat(400), [long]: '# deep\n' }, true);
    const { files, entries } = await readTar(Readable.from([archive]), { gzip: true, wanted: (n) => n.endsWith('.yaml') || n.endsWith('README.md'), limits });
    expect(files.get('chart/Chart.yaml')?.toString()).toBe('name: chart\n');
    expect(files.get('chart/values.yaml')?.toString()).toBe('a: 1\n'.repeat(400));
    expect(files.get(long)?.toString()).toBe('# deep\n');
    expect(entries.map((e) => e.name).sort()).toEqual(['chart/Chart.yaml', 'chart/values.yaml', long].sort());
  });

  it('reads a plain tar fed in odd-sized chunks, truncating kept files at the bound', async () => {
    const archive = gnuTar({ 'x/big.txt': 'z'.repeat(5000), 'x/small.txt': 'hi' }, false);
    const chunks: Buffer[] = [];
    for (let i = 0; i < archive.length; i += 77) chunks.push(archive.subarray(i, i + 77));
    const { files } = await readTar(Readable.from(chunks), { gzip: false, wanted: () => true, limits: { ...limits, maxFileBytes: 100 } });
    expect(files.get('x/big.txt')?.length).toBe(100);
    expect(files.get('x/small.txt')?.toString()).toBe('hi');
  });

  it('refuses what is not gzip, not tar, or too large', async () => {
    await expect(readTar(Readable.from([Buffer.from('plain text, not gzip')]), { gzip: true, wanted: () => true, limits })).rejects.toThrow(ArchiveError);
    await expect(readTar(Readable.from([Buffer.alloc(512, 7)]), { gzip: false, wanted: () => true, limits })).rejects.toThrow(ArchiveError);
    const archive = gnuTar({ 'a.txt': 'q'.repeat(20000) }, false);
    await expect(readTar(Readable.from([archive]), { gzip: false, wanted: () => true, limits: { ...limits, maxArchiveBytes: 4096 } })).rejects.toThrow(/larger/);
  });
});
