import { InvalidError } from '@wharf/errors';
import { Readable } from 'node:stream';
import { copyIntoShared, type OffThreadDigest, type OffThreadDigests } from '@wharf/registry-core';

const MiB = 1024 * 1024;
/** What the hashing worker gets at a time: the upstream's small chunks are copied into units this size. */
const UNIT_BYTES = MiB;
/** Units a transfer hashes through; reused as soon as the worker has hashed them. */
const UNITS_PER_TRANSFER = 4;
/** Units kept for the next transfers (fresh shared memory costs page faults on every byte). */
const SPARE_UNITS = 8;
/** How far storage may lag behind the client before the upstream is paused for it (a slow disk or S3 part upload). */
const STORAGE_WINDOW_BYTES = 16 * MiB;
/** How far the client may lag behind storage (its own socket buffer comes on top). */
const CALLER_WINDOW_BYTES = 4 * MiB;

interface Unit {
  shared: SharedArrayBuffer;
  bytes: Buffer;
}

const spareUnits: Unit[] = [];

export interface UpstreamBlobTeeOptions {
  algorithm: string;
  expectedDigest: string;
  expectedSize: number;
  digests: OffThreadDigests;
  /** whether a caller takes the bytes as they arrive (a GET), or only storage does (HEAD, Range) */
  withCaller: boolean;
}

/**
 * Splits one upstream blob body into a stream to storage and one to the caller, both carrying the
 * upstream's own chunks (no copy), with the digest computed on a worker thread (OffThreadDigests)
 * from a few reused shared units the bytes are copied into.
 *
 * Guarantees: the storage stream ends (and so the driver makes the object visible) only after the
 * whole body has arrived with the declared size and digest; otherwise both streams fail. The
 * caller never receives the last chunk of a body that does not verify. The upstream is paused
 * only when storage is STORAGE_WINDOW_BYTES behind, a live caller CALLER_WINDOW_BYTES behind or
 * the hashing worker a few units behind, so a storage write that is briefly slow does not stall
 * the client; a caller that goes away is dropped and storage goes on (the next pull finds the blob).
 */
export class UpstreamBlobTee {
  readonly toStorage: Readable;
  readonly toCaller?: Readable;
  private readonly digest: OffThreadDigest;
  private readonly units: Unit[] = [];
  private unitsOut = 0;
  private current?: Unit;
  private filled = 0;
  /** bytes (views of upstream chunks) waiting for a free unit to be copied into for hashing */
  private readonly toHash: Buffer[] = [];
  private toHashBytes = 0;
  private hashedAll?: () => void;
  /** the caller gets each chunk when the next one arrives: the last one only once the digest checks */
  private heldForCaller?: Buffer;
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
      this.toCaller.on('close', wanted);
    }
    // a body may fail before storage (still checking quota) or the HTTP layer reads from it: the
    // error stays on the stream (`errored`) for them, and is not an unhandled 'error' event meanwhile
    for (const side of [this.toStorage, this.toCaller]) side?.on('error', () => undefined);
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
    // units the worker still reads come back through `hashed`, which drops them once failed
    this.returnUnits();
  }

  private take(chunk: Buffer): void {
    if (this.failed) return;
    this.received += chunk.length;
    if (this.received > this.options.expectedSize) {
      this.fail(new InvalidError('size', 'body is larger than its declared Content-Length', { details: { expected: this.options.expectedSize } }));
      return;
    }
    this.toStorage.push(chunk);
    if (this.callerAlive()) {
      if (this.heldForCaller) this.toCaller!.push(this.heldForCaller);
      this.heldForCaller = chunk;
    }
    this.toHash.push(chunk);
    this.toHashBytes += chunk.length;
    this.copyForHashing();
    if (this.lagging()) this.source.pause();
  }

  /** Copies waiting bytes into units while there are free ones; a full unit goes to the worker. */
  private copyForHashing(): void {
    while (this.toHash.length > 0 && !this.failed) {
      const unit = this.current ?? this.freeUnit();
      if (!unit) return;
      this.current = unit;
      const chunk = this.toHash[0];
      const copied = copyIntoShared(chunk, unit.bytes, this.filled);
      this.filled += copied;
      this.toHashBytes -= copied;
      if (copied === chunk.length) this.toHash.shift();
      else this.toHash[0] = chunk.subarray(copied);
      if (this.filled === UNIT_BYTES) this.hashCurrent();
    }
    if (this.toHash.length === 0) this.hashedAll?.();
  }

  private hashCurrent(): void {
    const unit = this.current!;
    const length = this.filled;
    this.current = undefined;
    this.filled = 0;
    this.digest.update(unit.shared, length).then(
      () => this.hashed(unit),
      (error: Error) => this.fail(error),
    );
  }

  private hashed(unit: Unit): void {
    this.unitsOut -= 1;
    if (this.failed) return void keepSpare(unit);
    this.units.push(unit);
    this.copyForHashing();
    this.resumeIfWanted();
  }

  private freeUnit(): Unit | undefined {
    const unit = this.units.pop() ?? (this.unitsOut + this.units.length < UNITS_PER_TRANSFER ? (spareUnits.pop() ?? newUnit()) : undefined);
    if (unit) this.unitsOut += 1;
    return unit;
  }

  private async finish(): Promise<void> {
    if (this.failed) return;
    const { expectedSize, expectedDigest } = this.options;
    if (this.received !== expectedSize) {
      this.fail(new InvalidError('size', `body ended after ${this.received} of ${expectedSize} declared bytes`));
      return;
    }
    let actual: string;
    try {
      if (this.toHash.length > 0) await new Promise<void>((resolve) => (this.hashedAll = resolve));
      if (this.current) this.hashCurrent();
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
    this.returnUnits();
    this.toStorage.push(null);
    if (this.callerAlive()) {
      if (this.heldForCaller) this.toCaller!.push(this.heldForCaller);
      this.toCaller!.push(null);
    }
  }

  private returnUnits(): void {
    for (const unit of this.units.splice(0)) keepSpare(unit);
    if (this.current && this.failed) {
      // never handed to the worker: free now
      keepSpare(this.current);
      this.current = undefined;
    }
  }

  private callerAlive(): boolean {
    return this.toCaller !== undefined && !this.toCaller.destroyed;
  }

  private lagging(): boolean {
    return (
      this.toStorage.readableLength >= STORAGE_WINDOW_BYTES ||
      (this.callerAlive() && this.toCaller!.readableLength >= CALLER_WINDOW_BYTES) ||
      this.toHashBytes >= UNIT_BYTES
    );
  }

  private resumeIfWanted(): void {
    if (!this.failed && this.source.isPaused() && !this.lagging()) this.source.resume();
  }
}

function newUnit(): Unit {
  const shared = new SharedArrayBuffer(UNIT_BYTES);
  return { shared, bytes: Buffer.from(shared) };
}

function keepSpare(unit: Unit): void {
  if (spareUnits.length < SPARE_UNITS) spareUnits.push(unit);
}
