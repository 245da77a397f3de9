import { PassThrough, pipeline, type Readable } from 'node:stream';
import { BlobSizeMismatchError } from './blob-driver';

/**
 * Takes hold of a caller's body at once. An adapter awaits other things (opening a file,
 * fetching a tail) before it reads the body; an error the body emits meanwhile (a client gone,
 * a digest check failing in flush) would otherwise be an unhandled 'error' event. Through this,
 * it is kept and thrown to whoever reads.
 */
export function claimBody(body: Readable): Readable {
  return pipeline(body, new PassThrough(), () => undefined);
}

/**
 * Yields a body's chunks as Buffers. With `size`, throws BlobSizeMismatchError at the first byte
 * too many (so an overrun is never stored whole) or, at the end, when fewer bytes came.
 */
export async function* sizedChunks(body: AsyncIterable<unknown>, size?: number): AsyncGenerator<Buffer> {
  let received = 0;
  for await (const chunk of body) {
    const bytes = toBuffer(chunk);
    received += bytes.length;
    if (size !== undefined && received > size) throw new BlobSizeMismatchError(size, received);
    yield bytes;
  }
  if (size !== undefined && received !== size) throw new BlobSizeMismatchError(size, received);
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`a blob body must yield bytes, got ${typeof chunk}`);
}
