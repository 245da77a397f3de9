import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SharedPartBuilder, SharedPartPool } from './shared-parts';

describe('SharedPartPool', () => {
  it('reuses a part only once released, so a slow upload still reads its own bytes', async () => {
    const pool = new SharedPartPool(2, 60_000);
    const builder = new SharedPartBuilder(64 * 1024, pool);
    const body = randomBytes(10 * 64 * 1024 + 999);
    const uploaded: Buffer[] = [];
    const uploads: Promise<void>[] = [];
    // uploads that take a while, each checking its part did not change meanwhile, then releasing it
    const upload = async (part: Buffer, index: number) => {
      const before = Buffer.from(part);
      await sleep(index % 3);
      expect(part.equals(before)).toBe(true);
      uploaded[index] = before;
      pool.release(part);
    };
    let index = 0;
    for (let offset = 0; offset < body.length; offset += 10_000) {
      for (const part of builder.add(body.subarray(offset, offset + 10_000))) uploads.push(upload(part, index++));
      // the producer goes on while uploads are in flight (as PartQueue lets it)
      await sleep(0);
    }
    const rest = builder.rest();
    uploads.push(upload(rest, index++));
    await Promise.all(uploads);
    expect(Buffer.concat(uploaded).equals(body)).toBe(true);
    expect(pool.spareCount(64 * 1024)).toBe(2);
  });

  it('hands a released part to the next take, keeps at most its limit, never the same part twice', () => {
    const pool = new SharedPartPool(2, 60_000);
    const a = pool.take(1024);
    const b = pool.take(1024);
    const c = pool.take(1024);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    pool.release(a.subarray(0, 10));
    pool.release(a);
    expect(pool.spareCount(1024)).toBe(1);
    pool.release(b);
    pool.release(c);
    expect(pool.spareCount(1024)).toBe(2);
    expect([a.buffer, b.buffer]).toContain(pool.take(1024).buffer);
    // another size, or memory that is not shared, is not mixed in
    expect(pool.take(2048).length).toBe(2048);
    pool.release(Buffer.alloc(1024));
    expect(pool.spareCount(1024)).toBe(1);
  });

  it('lets its spare parts go once idle', async () => {
    const pool = new SharedPartPool(2, 20);
    pool.release(pool.take(1024));
    expect(pool.spareCount(1024)).toBe(1);
    await sleep(100);
    expect(pool.spareCount(1024)).toBe(0);
  });
});
