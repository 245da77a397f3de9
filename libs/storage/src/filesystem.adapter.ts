import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, truncate, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import {
  BlobNotFoundError,
  BlobSizeMismatchError,
  type AppendableObject,
  type BlobDriver,
  type ByteRange,
  type StoredObjectInfo,
} from './blob-driver';

/**
 * The embedded default: objects are files under a root directory. Writes go to a temp file
 * and are renamed into place, so a reader never sees a partial object.
 */
export class FilesystemBlobDriver implements BlobDriver {
  readonly name = 'filesystem' as const;

  constructor(private readonly root: string) {}

  async stat(key: string): Promise<StoredObjectInfo | null> {
    try {
      const info = await stat(this.path(key));
      return { size: info.size };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const handle = await open(this.path(key), 'r').catch((error: unknown) => {
      throw isNotFound(error) ? new BlobNotFoundError(key) : error;
    });
    return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: 256 * 1024 });
  }

  async write(key: string, body: Readable | Buffer, size?: number): Promise<void> {
    const temp = this.path(`_tmp/${randomUUID()}`);
    await mkdir(dirname(temp), { recursive: true });
    let written = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, counter, createWriteStream(temp));
      if (size !== undefined && written !== size) throw new BlobSizeMismatchError(size, written);
      const target = this.path(key);
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deleteMany(keys: string[]): Promise<{ failed: { key: string; reason: string }[] }> {
    const failed: { key: string; reason: string }[] = [];
    for (const key of keys) {
      await this.delete(key).catch((error: Error) => failed.push({ key, reason: error.message }));
    }
    return { failed };
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.path(to);
    await mkdir(dirname(target), { recursive: true });
    await rename(this.path(from), target).catch((error: unknown) => {
      throw isNotFound(error) ? new BlobNotFoundError(from) : error;
    });
  }

  async presignedReadUrl(): Promise<string | null> {
    return null;
  }

  async createAppendable(key: string): Promise<AppendableObject> {
    const staging = `_staging/${randomUUID()}`;
    const path = this.path(staging);
    await mkdir(dirname(path), { recursive: true });
    await (await open(path, 'w')).close();
    return { key, size: 0, state: { staging } };
  }

  async append(object: AppendableObject, body: Readable): Promise<AppendableObject> {
    const path = this.path(stagingOf(object));
    let written = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        done(null, chunk);
      },
    });
    // write from the recorded size, so whatever a failed earlier append left past it is overwritten
    await pipeline(body, counter, createWriteStream(path, { flags: 'r+', start: object.size }));
    const size = object.size + written;
    await truncate(path, size);
    return { ...object, size };
  }

  async seal(object: AppendableObject): Promise<void> {
    const path = this.path(stagingOf(object));
    await truncate(path, object.size);
    const target = this.path(object.key);
    await mkdir(dirname(target), { recursive: true });
    await rename(path, target);
  }

  async abort(object: AppendableObject): Promise<void> {
    await unlink(this.path(stagingOf(object))).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  private path(key: string): string {
    const normalized = normalize(key);
    if (isAbsolute(key) || normalized.startsWith('..') || normalized.split(sep).includes('..')) {
      throw new Error(`invalid storage key: ${key}`);
    }
    return join(this.root, normalized);
  }
}

function stagingOf(object: AppendableObject): string {
  return String(object.state.staging);
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}
