import { InvalidError } from '@wharf/errors';
import { Readable } from 'node:stream';
import type { OffThreadDigest, OffThreadDigests } from './off-thread-digests';

const MiB = 1024 * 1024;
/**
 * The bytes are copied once, into units of this size, and every consumer gets the units: storage
 * writes and socket sends of 1 MiB cost a fraction of what the upstream's 16-64 KiB chunks do.
 */
const UNIT_BYTES = MiB;
/** How far storage may lag behind the client before the upstream is paused for it (a slow disk or S3 part upload). */
const STORAGE_WINDOW_BYTES = 16 * MiB;
/** How far the client may lag behind storage (its own socket buffer comes on top). */
const CALLER_WINDOW_BYTES = 4 * MiB;

export interface UpstreamBlobTeeOptions {
  algorithm: string;
  expectedDigest: string;
  expectedSize: number;
  digests: OffThreadDigests;
  /** whether a caller takes the bytes as they arrive (a GET), or only storage does (HEAD, Range) */
  withCaller: boolean;
}

/**
 * Splits one upstream blob body into a stream to storage and one to the caller, with the digest
 * computed off the event loop (OffThreadDigests). Each upstream chunk is copied once into a fresh
 * shared unit that the hashing worker, the storage write and the socket all read without copying.
 *
 * Guarantees: the storage stream ends (and so the driver makes the object visible) only after the
 * whole body has arrived with the declared size and digest; otherwise both streams fail. The
 * caller never receives the last unit of a body that does not verify. The upstream is paused
 * only when storage is STORAGE_WINDOW_BYTES behind or a live caller CALLER_WINDOW_BYTES behind,
 * so a storage write that is briefly slow does not stall the client; a caller that goes away is
 * dropped and storage goes on (the next pull finds the blob).
 */
export class UpstreamBlobTee {
  readonly toStorage: Readable;
  readonly toCaller?: Readable;
  private readonly digest: OffThreadDigest;
  private unit = newUnit();
  private filled = 0;
  private received = 0;
  private failed = false;

  constructor(private readonly source: Readable, private readonly options: UpstreamBlobTeeOptions) {
    this.digest = options.digests.start(options.algorithm);
    // a Readable asks for more before it takes the chunk being read out of its buffer: look once it has
    const wanted = () => process.nextTick(() => this.resumeIfWanted());
    this.toStorage = new Readable({ highWaterMark: STORAGE_WINDOW_BYTES, read: wanted });
    if (options.withCaller) {
      this.toCaller = new Readable({ highWaterMark: CALLER_WINDOW_BYTES, read: wanted });
      // a client that went away no longer holds the upstream back
      this.toCaller.on('close', () => this.resumeIfWanted());
    }
    this.toStorage.on('close', () => {
      // storage gave up (a failed write, over quota): nothing more to do with the upstream's bytes
      if (!this.toStorage.readableEnded) this.fail(new Error('the storage write ended early'));
    });
    source.on('data', (chunk: Buffer) => this.take(chunk));
    source.once('end', () => void this.finish());
    source.once('error', (error) => this.fail(error));
  }

  /** Ends the transfer with `error` on both sides (and releases the upstream). */
  fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.source.destroy();
    this.toStorage.destroy(error);
    this.toCaller?.destroy(error);
  }

  private take(chunk: Buffer): void {
    if (this.failed) return;
    this.received += chunk.length;
    if (this.received > this.options.expectedSize) {
      this.fail(new InvalidError('size', 'body is larger than its declared Content-Length', { details: { expected: this.options.expectedSize } }));
      return;
    }
    for (let offset = 0; offset < chunk.length; ) {
      const copied = chunk.copy(this.unit.bytes, this.filled, offset);
      this.filled += copied;
      offset += copied;
      // a full unit goes out unless it holds the body's last byte (that one waits for the end and the digest check)
      const moreToCome = offset < chunk.length || this.received < this.options.expectedSize;
      if (this.filled === UNIT_BYTES && moreToCome) this.emit('to caller too');
    }
    if (this.lagging()) this.source.pause();
  }

  /**
   * Hands the filled part of the current unit to the digest and storage, and to the caller unless
   * it is the last one (held back until the digest is checked). Units are never reused: storage
   * and the socket release them whenever they are done.
   */
  private emit(which: 'to caller too' | 'last'): Buffer {
    const bytes = this.unit.bytes.subarray(0, this.filled);
    this.digest.update(this.unit.shared, this.filled);
    if (this.filled > 0) this.toStorage.push(bytes);
    if (which === 'last') return bytes;
    if (this.callerAlive()) this.toCaller!.push(bytes);
    this.unit = newUnit();
    this.filled = 0;
    return bytes;
  }

  private async finish(): Promise<void> {
    if (this.failed) return;
    const last = this.emit('last');
    const { expectedSize, expectedDigest } = this.options;
    if (this.received !== expectedSize) {
      this.fail(new InvalidError('size', `body ended after ${this.received} of ${expectedSize} declared bytes`));
      return;
    }
    let actual: string;
    try {
      actual = await this.digest.finish();
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (this.failed) return;
    if (actual !== expectedDigest) {
      this.fail(new InvalidError('digest', 'provided digest did not match uploaded content', { details: { expected: expectedDigest, actual } }));
      return;
    }
    this.toStorage.push(null);
    if (this.callerAlive()) {
      if (last.length > 0) this.toCaller!.push(last);
      this.toCaller!.push(null);
    }
  }

  private callerAlive(): boolean {
    return this.toCaller !== undefined && !this.toCaller.destroyed;
  }

  private lagging(): boolean {
    return this.toStorage.readableLength >= STORAGE_WINDOW_BYTES || (this.callerAlive() && this.toCaller!.readableLength >= CALLER_WINDOW_BYTES);
  }

  private resumeIfWanted(): void {
    if (!this.failed && this.source.isPaused() && !this.lagging()) this.source.resume();
  }
}

function newUnit(): { shared: SharedArrayBuffer; bytes: Buffer } {
  const shared = new SharedArrayBuffer(UNIT_BYTES);
  return { shared, bytes: Buffer.from(shared) };
}
