import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes bytes on no faster than `bytesPerSecond` (a project's proxy_speed_kb), averaged from the
 * start of the transfer: a chunk waits until the bytes sent so far fit the allowed rate.
 */
export class RateLimitedStream extends Transform {
  private readonly startedAt = Date.now();
  private sent = 0;

  constructor(private readonly bytesPerSecond: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.sent += chunk.length;
    const due = this.startedAt + (this.sent / this.bytesPerSecond) * 1000;
    const wait = due - Date.now();
    if (wait <= 0) return done(null, chunk);
    setTimeout(() => done(null, chunk), wait);
  }
}
