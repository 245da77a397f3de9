import { Decompress } from 'fzstd';
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** The digest and size the manifest promised for a blob, checked as its bytes pass (a mismatch fails the stream). */
export class DigestCheck extends Transform {
  private readonly hash: Hash;
  private seen = 0;

  constructor(
    private readonly digest: string,
    private readonly size: number,
  ) {
    super();
    const algorithm = digest.split(':')[0];
    if (algorithm !== 'sha256' && algorithm !== 'sha512') throw new Error(`unsupported digest algorithm in ${digest}`);
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.size) return callback(new Error(`layer ${this.digest} is longer than the ${this.size} bytes its manifest says`));
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = `${this.digest.split(':')[0]}:${this.hash.digest('hex')}`;
    if (this.seen !== this.size) return callback(new Error(`layer ${this.digest} has ${this.seen} bytes, its manifest says ${this.size}`));
    if (actual !== this.digest) return callback(new Error(`layer ${this.digest} hashes to ${actual}`));
    callback();
  }
}

/** zstd decompression as a stream (Node 20's zlib has none): fzstd, pure JavaScript, window-bounded memory. */
export class ZstdDecompress extends Transform {
  private readonly decoder: Decompress;

  constructor() {
    super();
    // fzstd may hand out views of its working window: copy before they leave
    this.decoder = new Decompress((chunk) => {
      if (chunk.length) this.push(Buffer.from(chunk));
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      callback();
    } catch (error) {
      callback(new Error(`the zstd layer is corrupt: ${(error as Error).message}`));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (error) {
      callback(new Error(`the zstd layer is corrupt: ${(error as Error).message}`));
    }
  }
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const startsWith = (head: Buffer, magic: number[]) => head.length >= magic.length && magic.every((byte, i) => head[i] === byte);

/**
 * A layer's bytes in, its tar out. The compression is read from the first bytes (gzip, zstd, or
 * none), not trusted to the media type: Docker's `.tar.gzip` and OCI's `+gzip`/`+zstd` are
 * mislabelled often enough. Back-pressure holds throughout, so a layer is never held whole.
 */
export class LayerDecoder extends Transform {
  private head: Buffer = Buffer.alloc(0);
  private inner: Transform | null | undefined;
  private innerDone?: Promise<void>;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.inner === undefined) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < ZSTD_MAGIC.length) return callback();
      this.choose();
      chunk = this.head;
      this.head = Buffer.alloc(0);
    }
    this.forward(chunk, callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.inner === undefined) {
      // a layer shorter than any magic number: whatever it is, it is passed on as it is
      const chosen = this.choose();
      if (!chosen) {
        if (this.head.length) this.push(this.head);
        return callback();
      }
      chosen.write(this.head);
    }
    if (!this.inner) return callback();
    this.inner.end();
    this.innerDone!.then(() => callback(), callback);
  }

  override _read(size: number): void {
    if (this.inner?.isPaused()) this.inner.resume();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }

  private choose(): Transform | null {
    if (startsWith(this.head, GZIP_MAGIC)) this.inner = createGunzip();
    else if (startsWith(this.head, ZSTD_MAGIC)) this.inner = new ZstdDecompress();
    else this.inner = null;
    if (!this.inner) return null;
    const inner = this.inner;
    // the inner stream stops while our reader is behind, and goes on when it reads (_read)
    inner.on('data', (data: Buffer) => {
      if (!this.push(data)) inner.pause();
    });
    this.innerDone = new Promise((resolve, reject) => {
      inner.once('end', resolve);
      inner.once('error', reject);
    });
    // an error before the end is this stream's error
    this.innerDone.catch((error: Error) => this.destroy(error));
    return inner;
  }

  private forward(chunk: Buffer, callback: TransformCallback): void {
    if (!this.inner) return callback(null, chunk);
    if (this.inner.write(chunk)) return callback();
    this.inner.once('drain', () => callback());
  }
}
