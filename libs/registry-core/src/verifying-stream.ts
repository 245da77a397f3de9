import { InvalidError } from '@wharf/errors';
import { Transform, type TransformCallback } from 'node:stream';
import type { Hash } from 'node:crypto';
import { newHash, type DigestAlgorithm } from './digest';

export interface VerifyingStreamOptions {
  algorithm: DigestAlgorithm;
  /** fail unless the bytes hash to this digest */
  expectedDigest?: string;
  /** fail unless exactly this many bytes arrive (Content-Length) */
  expectedSize?: number;
  /** continue a hash that already covers earlier bytes of the same blob */
  hash?: Hash;
  /** fail with `exceeded(bytes)` at the first byte past `bytes` (a storage quota, for bodies of any length; the refusal may first record itself) */
  budget?: { bytes: number; exceeded: (bytes: number) => Error | Promise<Error> };
}

/**
 * Passes bytes through while hashing and counting them. It holds back the last chunk until the
 * input ends and the digest and size check out, so a storage write consuming this stream never
 * receives the complete body of a blob that fails verification (the write stays incomplete and
 * is discarded), and a body that runs past its Content-Length is cut off at once.
 */
export class VerifyingStream extends Transform {
  readonly hash: Hash;
  bytes = 0;
  private pending?: Buffer;

  constructor(private readonly options: VerifyingStreamOptions) {
    super();
    this.hash = options.hash ?? newHash(options.algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.options.expectedSize !== undefined && this.bytes > this.options.expectedSize) {
      done(new InvalidError('size', 'body is larger than its declared Content-Length', { details: { expected: this.options.expectedSize } }));
      return;
    }
    if (this.options.budget && this.bytes > this.options.budget.bytes) {
      void Promise.resolve(this.options.budget.exceeded(this.bytes)).then(done, done);
      return;
    }
    this.hash.update(chunk);
    const previous = this.pending;
    this.pending = chunk;
    done(null, previous);
  }

  override _flush(done: TransformCallback): void {
    if (this.options.expectedSize !== undefined && this.bytes !== this.options.expectedSize) {
      done(new InvalidError('size', `body ended after ${this.bytes} of ${this.options.expectedSize} declared bytes`));
      return;
    }
    if (this.options.expectedDigest !== undefined) {
      const actual = `${this.options.algorithm}:${this.hash.copy().digest('hex')}`;
      if (actual !== this.options.expectedDigest) {
        done(new InvalidError('digest', 'provided digest did not match uploaded content', { details: { expected: this.options.expectedDigest, actual } }));
        return;
      }
    }
    done(null, this.pending);
  }

  /** the digest of everything seen so far (does not finish the running hash) */
  digest(): string {
    return `${this.options.algorithm}:${this.hash.copy().digest('hex')}`;
  }
}
