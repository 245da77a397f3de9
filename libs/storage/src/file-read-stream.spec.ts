import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileReadStream } from './file-read-stream';
import { ByteBudget } from './byte-budget';

const MiB = 1024 * 1024;

/**
 * A destination that, like a socket, takes a chunk's bytes only when it calls back for its write
 * (later, on a timer): a stream that reused a chunk's memory before that would corrupt what it got.
 */
class SlowSocket extends Writable {
  readonly received: Buffer[] = [];
  readonly chunkBuffers = new Set<ArrayBufferLike>();

  constructor(
    private readonly delayMs = 2,
    private readonly held?: HeldMemory,
  ) {
    super({ highWaterMark: 1 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunkBuffers.add(chunk.buffer);
    this.held?.add(chunk.buffer.byteLength);
    setTimeout(() => {
      this.received.push(Buffer.from(chunk));
      this.held?.add(-chunk.buffer.byteLength);
      callback();
    }, this.delayMs);
  }
}

/** The memory behind every chunk that sockets hold at once (whole buffers, as a short last read still holds its chunk), and its peak. */
class HeldMemory {
  bytes = 0;
  peak = 0;

  add(bytes: number): void {
    this.bytes += bytes;
    this.peak = Math.max(this.peak, this.bytes);
  }
}

describe('FileReadStream', () => {
  let dir: string;
  let file: string;
  let content: Buffer;

  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(tmpdir(), 'wharf-file-read-'));
    file = path.join(dir, 'data');
    // not a multiple of the 1 MiB chunk: the last read is short
    content = randomBytes(9 * MiB + 12_345);
    await fsp.writeFile(file, content);
  });

  afterAll(() => fsp.rm(dir, { recursive: true, force: true }));

  const open = async (start?: number, end?: number) => new FileReadStream(await fsp.open(file, 'r'), start, end);

  it('piped, delivers every byte in order although its chunks are reused, and only after each write was called back', async () => {
    const destination = new SlowSocket();
    await pipeline(await open(), destination);
    expect(Buffer.concat(destination.received).equals(content)).toBe(true);
    // 10 chunks went out through at most 3 buffers of its own
    expect(destination.received).toHaveLength(10);
    expect(destination.chunkBuffers.size).toBeLessThanOrEqual(3);
  });

  it('piped by many at once, holds large chunks only within the shared read-ahead budget, and every pipe still finishes', async () => {
    const budget = new ByteBudget(8 * MiB);
    const held = new HeldMemory();
    const pipes = 24;
    const destinations = Array.from({ length: pipes }, () => new SlowSocket(3, held));
    await Promise.all(destinations.map(async (destination) => pipeline(new FileReadStream(await fsp.open(file, 'r'), 0, Infinity, budget), destination)));
    for (const destination of destinations) expect(Buffer.concat(destination.received).equals(content)).toBe(true);
    // without the budget 24 pipes hold 3 MiB each (72 MiB); with it, 8 MiB of large chunks and one 256 KiB chunk a pipe
    expect(held.peak).toBeLessThanOrEqual(8 * MiB + pipes * 256 * 1024);
    // the budget saw use, and came back in full
    expect(held.peak).toBeGreaterThan(4 * MiB);
    expect(budget.reservedBytes).toBe(0);
  });

  it('piped alone, reads ahead with 1 MiB chunks', async () => {
    const budget = new ByteBudget(64 * MiB);
    const destination = new SlowSocket(1);
    await pipeline(new FileReadStream(await fsp.open(file, 'r'), 0, Infinity, budget), destination);
    expect(destination.received.slice(0, -1).every((chunk) => chunk.length === MiB)).toBe(true);
    expect(budget.reservedBytes).toBe(0);
  });

  it('piped, serves a range (end inclusive, as HTTP and fs.createReadStream count)', async () => {
    const destination = new SlowSocket(0);
    const start = MiB - 10;
    const end = 3 * MiB + 99;
    await pipeline(await open(start, end), destination);
    expect(Buffer.concat(destination.received).equals(content.subarray(start, end + 1))).toBe(true);
  });

  it('piped as Fastify pipes (pipe() with end), ends the destination and then emits end and close', async () => {
    const source = await open();
    const destination = new SlowSocket(0);
    const events: string[] = [];
    source.on('end', () => events.push('end'));
    const closed = new Promise<void>((resolve) => source.on('close', () => resolve()));
    const finished = new Promise<void>((resolve) => destination.on('finish', () => resolve()));
    source.pipe(destination);
    await Promise.all([finished, closed]);
    expect(events).toEqual(['end']);
    expect(Buffer.concat(destination.received).equals(content)).toBe(true);
  });

  it('read as a plain stream (async iteration), gives the same bytes', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of await open(5, 2 * MiB)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(content.subarray(5, 2 * MiB + 1))).toBe(true);
  });

  it('stops reading and closes its file when the destination goes away midway', async () => {
    const handle = await fsp.open(file, 'r');
    const budget = new ByteBudget(64 * MiB);
    const source = new FileReadStream(handle, 0, Infinity, budget);
    const destination = new PassThrough({ highWaterMark: 1 });
    let taken = 0;
    destination.on('data', (chunk: Buffer) => {
      taken += chunk.length;
      if (taken >= 2 * MiB) destination.destroy();
    });
    const closed = new Promise<void>((resolve) => source.on('close', () => resolve()));
    source.pipe(destination);
    await closed;
    expect(source.destroyed).toBe(true);
    expect(taken).toBeLessThan(content.length);
    // the handle was closed with the stream, and the chunks it held went back to the budget
    await expect(handle.stat()).rejects.toThrow(/closed/);
    expect(budget.reservedBytes).toBe(0);
  });

  it('fails the pipe with the read error when the file cannot be read', async () => {
    const handle = await fsp.open(dir, 'r'); // a directory: read() fails with EISDIR
    await expect(pipeline(new FileReadStream(handle), new SlowSocket(0))).rejects.toThrow(/EISDIR/);
  });
});
