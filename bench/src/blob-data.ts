import { createHash, randomBytes, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

const POOL_SIZE = 8 * MiB;
const CHUNK_SIZE = 1 * MiB;
const NONCE_SIZE = 32;

// random once per run; blobs are windows onto it, so producing data costs the bench no CPU
let pool: Buffer | undefined;
const randomPool = (): Buffer => (pool ??= randomBytes(POOL_SIZE));

/**
 * A blob of any size that is never held in memory: a unique 32-byte nonce followed by slices
 * of a shared random pool, starting at an offset derived from the nonce. The nonce makes every
 * blob's digest distinct (so no registry can skip the write as "already stored"); the
 * content is deterministic, so the digest can be computed before sending (monolithic upload
 * needs it up front) by hashing the same sequence of chunks without keeping them.
 */
export class PatternBlob {
  readonly nonce = randomBytes(NONCE_SIZE);
  private digestValue?: string;

  constructor(readonly size: number) {
    if (size < NONCE_SIZE) throw new Error(`blobs must be at least ${NONCE_SIZE} bytes`);
  }

  /** sha256 over the whole content, computed once by streaming it through the hash. */
  digest(): string {
    if (!this.digestValue) {
      const hash = createHash('sha256');
      for (const chunk of this.chunks()) hash.update(chunk);
      this.digestValue = `sha256:${hash.digest('hex')}`;
    }
    return this.digestValue;
  }

  /** The content as a stream; with `hash`, every chunk also goes through it (digest on the fly). */
  stream(hash?: Hash): Readable {
    const chunks = this.chunks();
    return new Readable({
      highWaterMark: CHUNK_SIZE,
      read() {
        const next = chunks.next();
        if (next.done) return void this.push(null);
        hash?.update(next.value);
        this.push(next.value);
      },
    });
  }

  private *chunks(): Generator<Buffer> {
    const data = randomPool();
    yield this.nonce;
    let offset = this.nonce.readUInt32BE(0) % POOL_SIZE;
    for (let remaining = this.size - NONCE_SIZE; remaining > 0; ) {
      const length = Math.min(CHUNK_SIZE, remaining, POOL_SIZE - offset);
      yield data.subarray(offset, offset + length);
      remaining -= length;
      offset = (offset + length) % POOL_SIZE;
    }
  }
}

/** Small blobs for the request-rate scenarios are plain random buffers. */
export function smallBlob(size: number): { data: Buffer; digest: string } {
  const data = randomBytes(size);
  return { data, digest: `sha256:${createHash('sha256').update(data).digest('hex')}` };
}

export const formatSize = (bytes: number): string =>
  bytes >= GiB ? `${bytes / GiB} GiB` : bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
