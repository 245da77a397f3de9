import type { Readable } from 'node:stream';
import { BlobSizeMismatchError } from './blob-driver';
import { toBuffer } from './body-stream';

/**
 * Spare write buffers of one size, reused across writes: a buffer's pages stay mapped (fresh
 * memory costs a page fault per 4 KiB on first write) and the body's own chunks die young,
 * instead of being held (and promoted by the GC) until their batch is written.
 */
export class WriteBufferPool {
  private readonly spare: Buffer[] = [];

  constructor(
    readonly bufferBytes: number,
    private readonly maxSpare: number,
  ) {}

  /** A buffer of `bufferBytes` (its content is whatever it held before). */
  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
  }

  /** Back for another write: only once nothing reads it any more (its write settled). */
  give(buffer: Buffer): void {
    if (buffer.length === this.bufferBytes && this.spare.length < this.maxSpare && !this.spare.includes(buffer)) this.spare.push(buffer);
  }

  get spareCount(): number {
    return this.spare.length;
  }
}

export interface WriteThroughBuffersOptions {
  pool: WriteBufferPool;
  /** the body's declared size: BlobSizeMismatchError at the first byte too many (nothing more is written) or at the end when fewer came */
  size?: number;
  /** an error the body emitted before this was called (it is then not read) */
  early?: () => Error | undefined;
}

/**
 * Writes a body in order through at most two pooled buffers: its chunks (read from 'data'
 * events, no per-chunk promise) are copied into one while the other is being written by `write`,
 * which gets a full buffer (the last one may be shorter) and must be done with it when its
 * promise settles; a buffer goes back to the pool only then. The body is paused while both
 * buffers are taken. Settles once every byte is written, or with the first failure (the body's,
 * a `write`'s, a size mismatch, or the body closing early).
 */
export function writeThroughBuffers(body: Readable, write: (bytes: Buffer) => Promise<void>, options: WriteThroughBuffersOptions): Promise<void> {
  const { pool, size } = options;
  return new Promise<void>((resolve, reject) => {
    /** the buffer being filled */
    let filling: Buffer | undefined;
    let filled = 0;
    /** full, waiting for the write in flight */
    let ready: Buffer | undefined;
    let writing = false;
    /** the rest of a chunk that found no free buffer (the body is paused meanwhile) */
    let pending: Buffer | undefined;
    let received = 0;
    let ended = false;
    let settled = false;

    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      // a failed body keeps a listener: its later errors are not unhandled
      body.on('error', () => undefined);
      // the buffer in flight goes back when its write settles
      for (const buffer of [filling, ready]) if (buffer) pool.give(buffer);
      filling = ready = pending = undefined;
      if (error) reject(error);
      else resolve();
    };

    const append = (bytes: Buffer): void => {
      let offset = 0;
      while (offset < bytes.length) {
        if (!filling) {
          if (ready) {
            // one buffer in flight, one full: wait for the write
            pending = bytes.subarray(offset);
            body.pause();
            return;
          }
          filling = pool.take();
          filled = 0;
        }
        const copied = bytes.copy(filling, filled, offset);
        offset += copied;
        filled += copied;
        if (filled === filling.length) {
          ready = filling;
          filling = undefined;
          filled = 0;
          next();
        }
      }
    };

    /** Starts the next write unless one is in flight; at the end, the partly filled buffer; settles when all is written. */
    const next = (): void => {
      if (writing || settled) return;
      let buffer: Buffer | undefined;
      let length = 0;
      if (ready) {
        buffer = ready;
        length = ready.length;
        ready = undefined;
      } else if (ended && !pending && filling) {
        buffer = filling;
        length = filled;
        filling = undefined;
        filled = 0;
      }
      if (!buffer) {
        if (ended && !pending) {
          if (size !== undefined && received !== size) settle(new BlobSizeMismatchError(size, received));
          else settle();
        }
        return;
      }
      if (length === 0) {
        pool.give(buffer);
        return next();
      }
      writing = true;
      const written = buffer;
      write(written.subarray(0, length)).then(
        () => {
          writing = false;
          pool.give(written);
          if (settled) return;
          if (pending) {
            const rest = pending;
            pending = undefined;
            append(rest);
            if (!pending && !ended) body.resume();
          }
          next();
        },
        (error: Error) => {
          writing = false;
          settle(error);
        },
      );
    };

    const onData = (chunk: unknown) => {
      if (settled) return;
      const bytes = toBuffer(chunk);
      received += bytes.length;
      if (size !== undefined && received > size) return settle(new BlobSizeMismatchError(size, received));
      // a source that emits once more after pause(): kept behind the rest already waiting
      if (pending) pending = Buffer.concat([pending, bytes]);
      else append(bytes);
    };
    const onEnd = () => {
      ended = true;
      next();
    };
    const onError = (error: Error) => settle(error);
    // destroyed without an error (a client gone): what a stream iterator would throw
    const onClose = () => {
      if (!ended) settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };

    const before = options.early?.() ?? body.errored ?? undefined;
    if (before) return settle(before);
    // read to its end already (an empty body someone drained): nothing to write
    if (body.readableEnded) return onEnd();
    if (body.destroyed) return onClose();
    body.on('error', onError);
    body.on('close', onClose);
    body.on('end', onEnd);
    body.on('data', onData);
    // a body someone paused before (or that was never flowing) flows now
    body.resume();
  });
}
