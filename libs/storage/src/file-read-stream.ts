import type { promises as fsp } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { ByteBudget } from './byte-budget';
import { SharedPartPool } from './shared-parts';

const MiB = 1024 * 1024;
/** One read: with 64 KiB reads, the per-chunk overhead halved the throughput of large pulls. */
const CHUNK_BYTES = MiB;
/** A pipe's own chunk when the read-ahead budget is spent: it still makes progress, at more reads per byte. */
const SMALL_CHUNK_BYTES = 256 * 1024;
/** Chunks a pipe has read ahead of its destination: the next is read while earlier ones are written. */
const CHUNKS_IN_FLIGHT = 3;
/** Large chunks every pipe together may hold: 21 pulls at full speed, the rest on a small chunk each. */
const READ_AHEAD_BYTES = 64 * MiB;
/**
 * Chunks kept for the next pipes, per size: as many large ones as the budget allows, so pulls that
 * come and go reuse them. A chunk let go is shared memory, which V8 does not count towards a
 * collection: it stays in the process until the next full one, however long that takes.
 */
const SPARE_CHUNKS = READ_AHEAD_BYTES / CHUNK_BYTES;

const chunkPool = new SharedPartPool(SPARE_CHUNKS);
const sharedReadAhead = new ByteBudget(READ_AHEAD_BYTES);

/**
 * A stored file's bytes (`start` to `end` inclusive, as fs.createReadStream) as a Readable that
 * owns the file handle and closes it when it ends or is destroyed.
 *
 * Piped into a single destination (an HTTP response, via Fastify or `stream.pipeline`), it reads
 * into a few 1 MiB chunks it reuses, each only once the destination has called back for its write
 * (the socket has the bytes). A plain read stream allocates a fresh buffer per read, and that churn
 * of external memory made V8 run a full mark-compact every one or two 32 MiB pulls, which was most
 * of the api's CPU while serving blobs. Its large chunks come out of a budget shared by every
 * pipe (`ByteBudget`), so memory does not grow with the number of concurrent pulls: past it
 * a pipe reads through one small chunk of its own. Read any other way (events, async iteration)
 * it behaves as fs.createReadStream, with fresh buffers.
 */
export class FileReadStream extends Readable {
  private position: number;
  private piping = false;

  constructor(
    private readonly handle: fsp.FileHandle,
    start = 0,
    private readonly end = Infinity,
    private readonly readAhead = sharedReadAhead,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
    this.position = start;
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    // already read or flowing, or a second destination: the ordinary pipe
    if (this.piping || this.readableFlowing !== null || this.readableLength > 0 || this.readableEnded) return super.pipe(destination, options);
    this.piping = true;
    destination.emit('pipe', this);
    void this.copyTo(destination as unknown as Writable, options?.end !== false);
    return destination;
  }

  override _read(): void {
    const wanted = this.remaining();
    if (wanted <= 0) return void this.push(null);
    const chunk = Buffer.allocUnsafeSlow(wanted);
    this.handle.read(chunk, 0, wanted, this.position).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) return void this.push(null);
        this.position += bytesRead;
        this.push(bytesRead < wanted ? chunk.subarray(0, bytesRead) : chunk);
      },
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // waits for a read still in flight on the thread pool
    this.handle.close().then(
      () => callback(error),
      (closeError: Error) => callback(error ?? closeError),
    );
  }

  private remaining(): number {
    return Math.min(CHUNK_BYTES, this.end - this.position + 1);
  }

  private async copyTo(destination: Writable, endDestination: boolean): Promise<void> {
    // the writes of chunks the destination has not called back for yet, oldest first
    const written: Promise<Buffer | undefined>[] = [];
    // a destination that is destroyed may never call back for what it held
    let gone!: () => void;
    const destinationGone = new Promise<undefined>((resolve) => (gone = () => resolve(undefined)));
    destination.once('close', gone);
    // bytes of large chunks this pipe took from the shared budget (it keeps them until it ends)
    let reserved = 0;
    const takeChunk = async (): Promise<Buffer | undefined> => {
      if (written.length < CHUNKS_IN_FLIGHT && this.readAhead.tryReserve(CHUNK_BYTES)) {
        reserved += CHUNK_BYTES;
        return chunkPool.take(CHUNK_BYTES);
      }
      if (written.length === 0) return chunkPool.take(SMALL_CHUNK_BYTES);
      return Promise.race([written.shift()!, destinationGone]);
    };
    try {
      for (;;) {
        if (this.destroyed) return;
        if (destination.destroyed) return void this.destroy();
        const wanted = this.remaining();
        if (wanted <= 0) break;
        const chunk = await takeChunk();
        if (!chunk) return void this.destroy();
        const { bytesRead } = await this.handle.read(chunk, 0, Math.min(wanted, chunk.length), this.position);
        if (this.destroyed) return;
        if (bytesRead === 0) {
          chunkPool.release(chunk);
          break;
        }
        this.position += bytesRead;
        written.push(writeChunk(destination, chunk, bytesRead));
      }
    } catch (error) {
      this.destroy(error as Error);
      return;
    } finally {
      const pending = written.splice(0);
      // each chunk goes back once its write is done; one the destination never calls back for is left to the GC
      for (const write of pending) void write.then((chunk) => chunk && chunkPool.release(chunk));
      // the budget too, once the destination has every byte (or is gone): until then it holds the chunks
      void Promise.race([Promise.all(pending), destinationGone]).then(() => {
        destination.off('close', gone);
        this.readAhead.release(reserved);
      });
    }
    if (endDestination) destination.end();
    // 'end' (and, as autoDestroy, 'close' with the handle closed) for whoever watches this stream
    this.push(null);
    this.resume();
  }
}

/** Resolves to `chunk` once `destination` is done with its first `length` bytes, or to nothing when the write failed. */
function writeChunk(destination: Writable, chunk: Buffer, length: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    destination.write(length < chunk.length ? chunk.subarray(0, length) : chunk, (error) => resolve(error ? undefined : chunk));
  });
}
