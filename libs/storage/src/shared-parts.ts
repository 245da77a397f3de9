import type { OffThreadDigests } from './off-thread-digests';

/**
 * Gathers a body's chunks into S3 parts of `partSize` bytes held in shared memory, so the
 * part's SigV4 payload hash (SHA-256 of every byte uploaded) is computed on the hashing worker
 * (`payloadSha256`) where the bytes already are, not by the SDK on the event loop. One copy per
 * byte, as the Buffer.concat it replaces; every part is fresh memory, owned by its upload until
 * that settles.
 */
export class SharedPartBuilder {
  private part?: Buffer;
  private filled = 0;

  constructor(private readonly partSize: number) {}

  /** Bytes taken but not yet in a full part. */
  get pendingBytes(): number {
    return this.filled;
  }

  /** Copies `chunk` in; returns the parts it completed (each exactly partSize bytes). */
  add(chunk: Buffer): Buffer[] {
    const full: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      this.part ??= Buffer.from(new SharedArrayBuffer(this.partSize));
      const copied = chunk.copy(this.part, this.filled, offset);
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
