import { promises as fsp, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BlobSizeMismatchError } from './blob-driver';
import { FilesystemBlobDriver } from './filesystem.adapter';
import { ThreadBlockedTime } from './thread-blocked-time';

// the module object the driver calls through (an `import * as` namespace would be a copy)
const fs = jest.requireActual<typeof import('node:fs')>('node:fs');

const KEY = 'docker/registry/v2/blobs/sha256/ab/abcdef/data';

/** Small bodies in memory are written with synchronous calls, backing off to the thread pool when they keep the event loop blocked. */
describe('FilesystemBlobDriver small writes', () => {
  let root: string;
  let driver: FilesystemBlobDriver;

  beforeEach(async () => {
    root = await fsp.mkdtemp(path.join(tmpdir(), 'wharf-small-writes-'));
    driver = new FilesystemBlobDriver(root);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await fsp.rm(root, { recursive: true, force: true });
  });

  const leftovers = async () => fsp.readdir(path.join(root, '_tmp')).catch(() => []);

  it('writes the bytes at the key through a temp file renamed into place, and replaces an existing object whole', async () => {
    await driver.write(KEY, Buffer.from('first'), 5);
    await driver.write(KEY, Buffer.from('second body'));
    expect(await fsp.readFile(path.join(root, KEY), 'utf8')).toBe('second body');
    expect(await leftovers()).toEqual([]);
  });

  it('refuses a body of another size than declared and writes nothing', async () => {
    await expect(driver.write(KEY, Buffer.from('four'), 5)).rejects.toBeInstanceOf(BlobSizeMismatchError);
    await expect(fsp.stat(path.join(root, KEY))).rejects.toThrow(/ENOENT/);
  });

  it('makes the temp directory again when it was removed', async () => {
    await driver.write(KEY, Buffer.from('a'));
    await fsp.rm(path.join(root, '_tmp'), { recursive: true });
    await driver.write('other/key/data', Buffer.from('b'));
    expect(await fsp.readFile(path.join(root, 'other/key/data'), 'utf8')).toBe('b');
  });

  it('fails without leaving a temp file when the key cannot be made (a file where a directory must be)', async () => {
    writeFileSync(path.join(root, 'blocker'), 'x');
    await expect(driver.write('blocker/key/data', Buffer.from('c'))).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(await leftovers()).toEqual([]);
  });

  it('after a slow one, writes through the thread pool for 10 s, then synchronously again', async () => {
    let clock = 1_000;
    jest.spyOn(performance, 'now').mockImplementation(() => clock);
    const open = jest.spyOn(fsp, 'open');
    const rename = fs.renameSync;

    await driver.write(KEY, Buffer.from('fast'));
    expect(open).not.toHaveBeenCalled();

    // the next one keeps the thread asleep 20 ms (over the 5 ms budget), by the clock
    jest.spyOn(fs, 'renameSync').mockImplementationOnce((from, to) => {
      clock += 20;
      rename(from, to);
    });
    await driver.write(KEY, Buffer.from('slow'));
    expect(open).not.toHaveBeenCalled();
    expect(await fsp.readFile(path.join(root, KEY), 'utf8')).toBe('slow');

    clock += 9_000;
    await driver.write(KEY, Buffer.from('pooled'));
    expect(open).toHaveBeenCalledTimes(1);
    expect(await fsp.readFile(path.join(root, KEY), 'utf8')).toBe('pooled');

    clock += 1_001;
    open.mockClear();
    await driver.write(KEY, Buffer.from('fast again'));
    expect(open).not.toHaveBeenCalled();
    expect(await fsp.readFile(path.join(root, KEY), 'utf8')).toBe('fast again');
    expect(await leftovers()).toEqual([]);
  });

  it('stays synchronous after a write that was slow only because the thread waited for a CPU', async () => {
    let clock = 1_000;
    let scheduled = 0;
    jest.spyOn(performance, 'now').mockImplementation(() => clock);
    // the thread's CPU and run-queue time, as the kernel would count a preempted write
    jest.spyOn(ThreadBlockedTime.prototype as unknown as { scheduledMs(): number }, 'scheduledMs').mockImplementation(() => scheduled);
    const open = jest.spyOn(fsp, 'open');
    const rename = fs.renameSync;
    jest.spyOn(fs, 'renameSync').mockImplementationOnce((from, to) => {
      clock += 20;
      scheduled += 19.5;
      rename(from, to);
    });
    await driver.write(KEY, Buffer.from('preempted'));
    clock += 1;
    await driver.write(KEY, Buffer.from('next'));
    expect(open).not.toHaveBeenCalled();
    expect(await fsp.readFile(path.join(root, KEY), 'utf8')).toBe('next');
  });
});
