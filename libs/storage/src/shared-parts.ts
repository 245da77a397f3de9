import { copyIntoShared } from './copy-into-shared';
import type { OffThreadDigests } from './off-thread-digests';

/** Spare parts kept per part size: a few, as the parts of transfers in progress come and go. */
const SPARE_PARTS = 2;
/** Spares are let go after this long without a part being taken (an idle api holds no 8 MiB buffers). */
const SPARE_PARTS_IDLE_MS = 30_000;

/**
 * Spare shared-memory parts, reused by the next part of the same size: a fresh 8 MiB part costs
 * a page fault per 4 KiB as it is filled (2048 per part). A part comes back (`release`) only once
 * nothing reads it any more: its upload succeeded (the server has all its bytes, so the HTTP
 * client is done with them) and its payload hash was answered. A part whose upload failed is left
 * to the GC (a request that failed midway may still have bytes queued on its socket).
 */
export class SharedPartPool {
  private readonly spare = new Map<number, Buffer[]>();
  private idleTimer?: NodeJS.Timeout;

  constructor(
    private readonly maxSpare = SPARE_PARTS,
    private readonly idleMs = SPARE_PARTS_IDLE_MS,
  ) {}

  /** A part of `size` bytes in shared memory (its content is whatever it held before). */
  take(size: number): Buffer {
    this.keepAwhile();
    return this.spare.get(size)?.pop() ?? Buffer.from(new SharedArrayBuffer(size));
  }

  /** `part` (or a view of it) is no longer read by anyone: its memory may hold the next part. */
  release(part: Buffer): void {
    const shared = part.buffer;
    if (!(shared instanceof SharedArrayBuffer)) return;
    const list = this.spare.get(shared.byteLength) ?? [];
    if (list.length >= this.maxSpare || list.some((spare) => spare.buffer === shared)) return;
    list.push(Buffer.from(shared));
    this.spare.set(shared.byteLength, list);
    this.keepAwhile();
  }

  /** Spare parts of `size` held now. */
  spareCount(size: number): number {
    return this.spare.get(size)?.length ?? 0;
  }

  private keepAwhile(): void {
    if (this.idleTimer) return void this.idleTimer.refresh();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.spare.clear();
    }, this.idleMs);
    this.idleTimer.unref();
  }
}

/**
 * Gathers a body's chunks into S3 parts of `partSize` bytes held in shared memory, so the
 * part's SigV4 payload hash (SHA-256 of every byte uploaded) is computed on the hashing worker
 * (`payloadSha256`) where the bytes already are, not by the SDK on the event loop. One copy per
 * byte, as the Buffer.concat it replaces; parts come from `pool` (spare ones reused), each owned
 * by its upload until that succeeds and releases it to the pool.
 */
export class SharedPartBuilder {
  private part?: Buffer;
  private filled = 0;

  constructor(
    private readonly partSize: number,
    private readonly pool?: SharedPartPool,
  ) {}

  /** Bytes taken but not yet in a full part. */
  get pendingBytes(): number {
    return this.filled;
  }

  /** Copies `chunk` in; returns the parts it completed (each exactly partSize bytes). */
  add(chunk: Buffer): Buffer[] {
    const full: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      this.part ??= this.pool ? this.pool.take(this.partSize) : Buffer.from(new SharedArrayBuffer(this.partSize));
      const copied = copyIntoShared(chunk, this.part, this.filled, offset);
      offset += copied;
      this.filled += copied;
      if (this.filled === this.partSize) {
        full.push(this.part);
        this.part = undefined;
        this.filled = 0;
      }
    }
    return full;
  }

  /** What is left (shorter than a part, possibly empty); the builder starts over. */
  rest(): Buffer {
    const rest = this.part ? this.part.subarray(0, this.filled) : Buffer.alloc(0);
    this.part = undefined;
    this.filled = 0;
    return rest;
  }
}

/**
 * Hex SHA-256 of `data` computed on the hashing worker when it lives in shared memory (parts
 * from SharedPartBuilder); undefined otherwise (the SDK then hashes it itself).
 */
export async function payloadSha256(digests: OffThreadDigests, data: Buffer): Promise<string | undefined> {
  if (!(data.buffer instanceof SharedArrayBuffer) || data.length === 0) return undefined;
  const digest = digests.start('sha256');
  await digest.update(data.buffer, data.length, data.byteOffset);
  return (await digest.finish()).slice('sha256:'.length);
}
