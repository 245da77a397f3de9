import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlobSizeMismatchError } from './blob-driver';
import { WriteBufferPool, writeThroughBuffers } from './write-buffers';

/** `bytes` in chunks of `chunkSize`, as a socket delivers them. */
function body(bytes: Buffer, chunkSize: number): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= bytes.length) return void this.push(null);
      this.push(bytes.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/**
 * A slow writer that keeps what it was given as a view (not a copy) until its write settles,
 * checks then that the bytes did not change meanwhile, and records a copy.
 */
function slowWriter(delayMs: number) {
  const written: Buffer[] = [];
  const corrupted: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (bytes: Buffer) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const before = Buffer.from(bytes);
    await sleep(delayMs);
    if (!before.equals(bytes)) corrupted.push(written.length);
    written.push(before);
    inFlight -= 1;
  };
  return { write, written, corrupted, maxInFlight: () => maxInFlight };
}

describe('writeThroughBuffers', () => {
  it('never reuses a buffer a slow write still holds, and writes every byte in order', async () => {
    const pool = new WriteBufferPool(64 * 1024, 4);
    const bytes = randomBytes(1024 * 1024 + 123);
    const writer = slowWriter(5);
    await writeThroughBuffers(body(bytes, 7 * 1024), writer.write, { pool, size: bytes.length });
    expect(writer.corrupted).toEqual([]);
    expect(Buffer.concat(writer.written).equals(bytes)).toBe(true);
    // one write at a time, each a full buffer but the last
    expect(writer.maxInFlight()).toBe(1);
    expect(writer.written.slice(0, -1).every((b) => b.length === 64 * 1024)).toBe(true);
    // both buffers back in the pool
    expect(pool.spareCount).toBe(2);
  });

  it('shares the pool between concurrent writes without mixing their bytes', async () => {
    const pool = new WriteBufferPool(16 * 1024, 2);
    const bodies = [randomBytes(300_000), randomBytes(250_001), randomBytes(17)];
    const writers = bodies.map(() => slowWriter(1));
    await Promise.all(bodies.map((bytes, i) => writeThroughBuffers(body(bytes, 5000), writers[i].write, { pool, size: bytes.length })));
    bodies.forEach((bytes, i) => {
      expect(writers[i].corrupted).toEqual([]);
      expect(Buffer.concat(writers[i].written).equals(bytes)).toBe(true);
    });
    expect(pool.spareCount).toBe(2);
  });

  it('fails at the first byte past the size (writing no more) and when the body ends short', async () => {
    const pool = new WriteBufferPool(1024, 2);
    const long = slowWriter(0);
    await expect(writeThroughBuffers(body(randomBytes(10_000), 100), long.write, { pool, size: 5000 })).rejects.toBeInstanceOf(BlobSizeMismatchError);
    expect(Buffer.concat(long.written).length).toBeLessThanOrEqual(5000);
    await expect(writeThroughBuffers(body(randomBytes(999), 100), slowWriter(0).write, { pool, size: 1000 })).rejects.toBeInstanceOf(BlobSizeMismatchError);
  });

  it('fails with the body’s error, a write’s error, an early error, or a body closed before its end', async () => {
    const pool = new WriteBufferPool(1024, 2);
    const failing = body(randomBytes(10_000), 100);
    setImmediate(() => failing.destroy(new Error('client gone')));
    await expect(writeThroughBuffers(failing, slowWriter(1).write, { pool })).rejects.toThrow('client gone');

    const diskFull = () => Promise.reject(new Error('ENOSPC'));
    await expect(writeThroughBuffers(body(randomBytes(5000), 100), diskFull, { pool })).rejects.toThrow('ENOSPC');

    const early = new Error('digest mismatch');
    await expect(writeThroughBuffers(body(randomBytes(10), 10), slowWriter(0).write, { pool, early: () => early })).rejects.toBe(early);

    const closed = body(randomBytes(10_000), 100);
    setImmediate(() => closed.destroy());
    await expect(writeThroughBuffers(closed, slowWriter(1).write, { pool })).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('settles at once for a body already read to its end', async () => {
    const drained = body(Buffer.alloc(0), 1);
    drained.resume();
    await new Promise((resolve) => drained.once('end', resolve));
    const writer = slowWriter(0);
    await writeThroughBuffers(drained, writer.write, { pool: new WriteBufferPool(1024, 2), size: 0 });
    expect(writer.written).toEqual([]);
  });

  it('writes an empty body as nothing', async () => {
    const pool = new WriteBufferPool(1024, 2);
    const writer = slowWriter(0);
    await writeThroughBuffers(body(Buffer.alloc(0), 1), writer.write, { pool, size: 0 });
    expect(writer.written).toEqual([]);
  });
});
