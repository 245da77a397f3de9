import { InvalidError } from '@wharf/errors';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { OffThreadDigests } from '@wharf/registry-core';
import { UpstreamBlobTee } from './upstream-blob-tee';

const MiB = 1024 * 1024;

/** An upstream body: `bytes` in chunks of `chunkSize`, the way a socket delivers them. */
function upstreamBody(bytes: Buffer, chunkSize: number): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= bytes.length) return void this.push(null);
      this.push(bytes.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What a stream delivered before it failed, and how it failed. */
async function readUntilFailure(stream: Readable): Promise<{ bytes: number; error?: Error }> {
  let bytes = 0;
  try {
    for await (const chunk of stream) bytes += (chunk as Buffer).length;
    return { bytes };
  } catch (error) {
    return { bytes, error: error as Error };
  }
}

/**
 * The value `read` settles on: unchanged for `quietMs` (here: the tee has paused the upstream).
 * Waiting for the flow to stop, not a fixed time, keeps the test true on a slow or busy machine.
 */
async function settledValue(read: () => number, quietMs = 500, limitMs = 60_000): Promise<number> {
  const deadline = Date.now() + limitMs;
  let value = read();
  let stableSince = Date.now();
  while (Date.now() - stableSince < quietMs && Date.now() < deadline) {
    await sleep(50);
    if (read() !== value) {
      value = read();
      stableSince = Date.now();
    }
  }
  return value;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('UpstreamBlobTee', () => {
  const digests = new OffThreadDigests();
  afterAll(() => digests.onModuleDestroy());

  it('gives storage and the caller the same bytes as the upstream sent, chunk for chunk, once the digest checks', async () => {
    const body = randomBytes(3 * MiB + 12_345);
    const tee = new UpstreamBlobTee(upstreamBody(body, 37 * 1024), { algorithm: 'sha256', expectedDigest: sha256(body), expectedSize: body.length, digests, withCaller: true });
    // as the storage driver and the HTTP layer take them (flowing): chunk by chunk, never merged
    const storageChunks: Buffer[] = [];
    const callerChunks: Buffer[] = [];
    tee.toStorage.on('data', (chunk: Buffer) => storageChunks.push(chunk));
    tee.toCaller!.on('data', (chunk: Buffer) => callerChunks.push(chunk));
    await Promise.all([finished(tee.toStorage), finished(tee.toCaller!)]);
    expect(Buffer.concat(storageChunks).equals(body)).toBe(true);
    expect(Buffer.concat(callerChunks).equals(body)).toBe(true);
    // the upstream's own chunks, not copies
    expect(storageChunks.length).toBe(Math.ceil(body.length / (37 * 1024)));
    expect(storageChunks[0].buffer).toBe(body.buffer);
  });

  it('verifies sha512 digests and empty bodies', async () => {
    const body = randomBytes(1500);
    const expected = `sha512:${createHash('sha512').update(body).digest('hex')}`;
    const tee = new UpstreamBlobTee(upstreamBody(body, 100), { algorithm: 'sha512', expectedDigest: expected, expectedSize: body.length, digests, withCaller: false });
    expect((await readAll(tee.toStorage)).equals(body)).toBe(true);
    expect(tee.toCaller).toBeUndefined();

    const empty = new UpstreamBlobTee(upstreamBody(Buffer.alloc(0), 1), { algorithm: 'sha256', expectedDigest: sha256(Buffer.alloc(0)), expectedSize: 0, digests, withCaller: true });
    const [stored, sent] = await Promise.all([readAll(empty.toStorage), readAll(empty.toCaller!)]);
    expect(stored.length + sent.length).toBe(0);
  });

  it('fails both sides when the digest does not match, and the caller never gets the last chunk', async () => {
    const body = randomBytes(2 * MiB + 10);
    const tee = new UpstreamBlobTee(upstreamBody(body, 64 * 1024), { algorithm: 'sha256', expectedDigest: sha256(Buffer.from('other')), expectedSize: body.length, digests, withCaller: true });
    const [storage, caller] = await Promise.all([readUntilFailure(tee.toStorage), readUntilFailure(tee.toCaller!)]);
    expect(storage.error).toBeInstanceOf(InvalidError);
    expect((storage.error as InvalidError).reason).toBe('digest');
    expect((caller.error as InvalidError).reason).toBe('digest');
    expect(caller.bytes).toBe(2 * MiB);
  });

  it('fails at the first byte past the declared size, and when the body ends short', async () => {
    const body = randomBytes(3 * MiB);
    const long = new UpstreamBlobTee(upstreamBody(body, 64 * 1024), { algorithm: 'sha256', expectedDigest: sha256(body), expectedSize: MiB, digests, withCaller: true });
    const [storage, caller] = await Promise.all([readUntilFailure(long.toStorage), readUntilFailure(long.toCaller!)]);
    expect((storage.error as InvalidError).reason).toBe('size');
    expect(caller.error).toBeDefined();
    expect(storage.bytes).toBe(0);

    const short = new UpstreamBlobTee(upstreamBody(body, 64 * 1024), { algorithm: 'sha256', expectedDigest: sha256(body), expectedSize: body.length + 1, digests, withCaller: false });
    expect(((await readUntilFailure(short.toStorage)).error as InvalidError).reason).toBe('size');
  });

  it('goes on storing when the caller goes away', async () => {
    const body = randomBytes(12 * MiB);
    const tee = new UpstreamBlobTee(upstreamBody(body, 64 * 1024), { algorithm: 'sha256', expectedDigest: sha256(body), expectedSize: body.length, digests, withCaller: true });
    // the client reads one unit and disconnects (the HTTP layer destroys the stream)
    tee.toCaller!.once('data', () => tee.toCaller!.destroy());
    expect((await readAll(tee.toStorage)).equals(body)).toBe(true);
  });

  it('lets the caller run ahead of a slow storage write by up to its window before pausing the upstream', async () => {
    const body = randomBytes(40 * MiB);
    const tee = new UpstreamBlobTee(upstreamBody(body, 64 * 1024), { algorithm: 'sha256', expectedDigest: sha256(body), expectedSize: body.length, digests, withCaller: true });
    let sent = 0;
    tee.toCaller!.on('data', (chunk: Buffer) => (sent += chunk.length));
    // storage does not read at all: the caller gets the window's worth, then the upstream pauses
    const sentWhilePaused = await settledValue(() => sent);
    expect(sentWhilePaused).toBeGreaterThanOrEqual(15 * MiB);
    expect(sentWhilePaused).toBeLessThan(24 * MiB);
    // once storage catches up, everything flows to the end
    const stored = await readAll(tee.toStorage);
    expect(stored.equals(body)).toBe(true);
    await finished(tee.toCaller!);
    expect(sent).toBe(body.length);
  });

  it('keeps a failure for a storage reader that attaches only afterwards', async () => {
    const body = randomBytes(1000);
    const tee = new UpstreamBlobTee(upstreamBody(body, 100), { algorithm: 'sha256', expectedDigest: sha256(Buffer.from('x')), expectedSize: body.length, digests, withCaller: true });
    // the driver is still busy with quota and database checks while the whole body arrives
    expect(await settledValue(() => Number(tee.toStorage.destroyed))).toBe(1);
    await expect(readAll(tee.toStorage)).rejects.toThrow('provided digest did not match');
  });
});
