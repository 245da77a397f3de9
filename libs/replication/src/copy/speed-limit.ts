import { Transform, type TransformCallback } from 'node:stream';

/**
 * A task's speed limit (the policy's `speed`, KiB/s), shared by every blob the task sends: each
 * chunk is let through when the budget allows it, from the later of "now" and the time the last
 * chunk was due, so pauses between blobs (HEADs, manifests) are not made up for by a burst.
 */
export class SpeedLimit {
  private nextFree = 0;
  private readonly bytesPerMs: number;

  constructor(kibPerSecond: number) {
    this.bytesPerMs = (kibPerSecond * 1024) / 1000;
  }

  /** A stream that passes bytes through at no more than the limit. */
  stream(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) => {
        const now = Date.now();
        const start = Math.max(now, this.nextFree);
        this.nextFree = start + chunk.length / this.bytesPerMs;
        // the chunk leaves once its share of time has passed: the average never exceeds the limit
        const wait = this.nextFree - now;
        if (wait <= 1) return done(null, chunk);
        setTimeout(() => done(null, chunk), wait);
      },
    });
  }
}
