import { randomUUID } from 'node:crypto';
import { mkdirSync, promises as fsp, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import {
  AppendableObject,
  BlobDriver,
  BlobNotFoundError,
  BlobSizeMismatchError,
  ByteRange,
  StorageLeftover,
  StoredObjectInfo,
} from './blob-driver';
import { assertValidKey, assertValidRange, unsatisfiableRange } from './blob-validation';
import { claimBody, sizedChunks } from './body-stream';
import { FileReadStream } from './file-read-stream';
import { ThreadBlockedTime } from './thread-blocked-time';

/** What a filesystem appendable keeps in `state`: its staging file, relative to the root. */
interface FilesystemAppendState {
  path: string;
}

const STAGING_PATH = /^_staging\/[0-9a-f-]{36}$/;
/** the directories of unfinished writes (`write`) and of appendables */
const LEFTOVER_DIRS = ['_tmp', '_staging'] as const;
const LEFTOVER_PATH = /^_(tmp|staging)\/[0-9a-f-]{36}$/;

/** Errors meaning "no such object": the path, or one of its parents, is missing or not a directory. */
const isMissing = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
};

/** the time the event loop's thread spends blocked in small writes (one per process: it holds a file open) */
const eventLoopBlockedTime = new ThreadBlockedTime();

/** unlinks in flight in one deleteMany */
const PARALLEL_DELETES = 8;

/** Bytes gathered into one writev: the thread-pool round trip and syscall per 16-64 KiB socket chunk cost more than the copy. */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** under the kernel's IOV_MAX (1024) */
const WRITE_BATCH_BUFFERS = 512;

/**
 * Bodies in memory up to this size (small layers, configs, manifests) are written with
 * synchronous calls on the event loop: five thread-pool round trips (open, write, close, mkdir,
 * rename) cost more CPU than the writes themselves, 14-26 % of the small-push rates (bench, 4 KiB
 * pushes at 16 clients). Into the page cache that takes tens of microseconds.
 */
const SMALL_WRITE_BYTES = 64 * 1024;
/**
 * A small write that kept the event loop blocked longer (a slow or network filesystem, the kernel
 * throttling dirty pages) sends them back to the thread pool... Blocked, not merely slow: on a busy
 * machine a write is often preempted for longer than this, and when that counted (as it did until
 * 2026-12-07) small writes spent most of a loaded run in the pool, at 4.4 times the CPU of the
 * synchronous calls (735 against 167 µs a write on this machine, most of it the pool's thread
 * hand-overs).
 */
const SMALL_WRITE_BUDGET_MS = 5;
/** ...for this long, then they are tried on the event loop again: at worst one such wait per period. */
const SLOW_DISK_BACKOFF_MS = 10_000;

/**
 * Writes `chunks` in order, a batch per writev: chunks go on arriving while the previous batch
 * is written, so the body is read and written at the same time, never copied, and at most two
 * batches are held.
 */
async function writeBatched(file: fsp.FileHandle, chunks: AsyncIterable<Buffer>): Promise<void> {
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let writing: Promise<void> = Promise.resolve();
  for await (const bytes of chunks) {
    batch.push(bytes);
    batchBytes += bytes.length;
    if (batchBytes >= WRITE_BATCH_BYTES || batch.length >= WRITE_BATCH_BUFFERS) {
      await writing;
      writing = writeAll(file, batch);
      // awaited before the next batch or at the end; a failure meanwhile must not go unhandled
      writing.catch(() => undefined);
      batch = [];
      batchBytes = 0;
    }
  }
  await writing;
  if (batch.length > 0) await writeAll(file, batch);
}

/** Appends all of `buffers` at the file's position (a writev may take fewer bytes than it was given). */
async function writeAll(file: fsp.FileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    let { bytesWritten } = await file.writev(rest);
    let done = 0;
    while (done < rest.length && bytesWritten >= rest[done].length) {
      bytesWritten -= rest[done].length;
      done += 1;
    }
    rest = rest.slice(done);
    if (bytesWritten > 0) rest[0] = rest[0].subarray(bytesWritten);
  }
}

/**
 * The embedded storage: one file per key under `root`. Writes land in `<root>/_tmp/` and are
 * renamed into place, so a reader never sees a partial object; appendables grow in
 * `<root>/_staging/` and are renamed to their key when sealed.
 */
export class FilesystemBlobDriver implements BlobDriver {
  readonly name = 'filesystem' as const;
  private readonly root: string;
  /** `_tmp` was made or found: a write skips its mkdir (a syscall on every small push); made again if it went */
  private tmpDirMade = false;
  /** until then (performance.now()) small writes go through the thread pool: one was slow */
  private smallWritesAsyncUntil = 0;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  async stat(key: string): Promise<StoredObjectInfo | null> {
    try {
      const info = await fsp.stat(this.pathOf(key));
      // a directory is a key prefix, not an object (as on S3)
      return info.isFile() ? { size: info.size } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    if (range) assertValidRange(range);
    let handle: fsp.FileHandle;
    try {
      // opened here rather than by createReadStream so that a missing key rejects this call
      handle = await fsp.open(this.pathOf(key), 'r');
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFoundError(key);
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new BlobNotFoundError(key);
      if (range && range.start >= info.size) throw unsatisfiableRange(key, range, info.size);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new FileReadStream(handle, range?.start, range?.end);
  }

  async write(key: string, body: Readable | Buffer, size?: number): Promise<void> {
    const source = Buffer.isBuffer(body) ? body : claimBody(body);
    if (Buffer.isBuffer(source) && size !== undefined && source.length !== size) throw new BlobSizeMismatchError(size, source.length);
    if (Buffer.isBuffer(source) && source.length <= SMALL_WRITE_BYTES && performance.now() >= this.smallWritesAsyncUntil) {
      return this.writeSmall(key, source);
    }
    const tmp = path.join(this.root, '_tmp', randomUUID());
    try {
      const target = this.pathOf(key);
      // the file is opened (and so exists) before any byte flows, and closed before a failure is
      // reported (no write stream: its extra hop and lazy open)
      const file = await this.openTmp(tmp);
      try {
        await (Buffer.isBuffer(source) ? file.writeFile(source) : writeBatched(file, sizedChunks(source, size)));
      } finally {
        await file.close();
      }
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.rename(tmp, target);
    } catch (error) {
      if (!Buffer.isBuffer(source)) source.destroy();
      await fsp.rm(tmp, { force: true });
      throw error;
    }
  }

  /** `write` of a small body in memory, by synchronous calls (see SMALL_WRITE_BYTES), with the same guarantees: a temp file renamed into place. */
  private writeSmall(key: string, bytes: Buffer): void {
    const target = this.pathOf(key);
    const tmp = path.join(this.root, '_tmp', randomUUID());
    const started = eventLoopBlockedTime.mark();
    try {
      try {
        writeFileSync(tmp, bytes);
      } catch (error) {
        if (!isMissing(error)) throw error;
        // no _tmp yet (the first write), or removed by hand
        mkdirSync(path.dirname(tmp), { recursive: true });
        writeFileSync(tmp, bytes);
      }
      mkdirSync(path.dirname(target), { recursive: true });
      renameSync(tmp, target);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    } finally {
      // the wall time first: reading the thread's schedule costs a syscall, and most writes are quick
      if (performance.now() - started.wallMs > SMALL_WRITE_BUDGET_MS && eventLoopBlockedTime.blockedMsSince(started) > SMALL_WRITE_BUDGET_MS) {
        this.smallWritesAsyncUntil = performance.now() + SLOW_DISK_BACKOFF_MS;
      }
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await fsp.unlink(this.pathOf(key));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  async deleteMany(keys: string[]): Promise<{ failed: { key: string; reason: string }[] }> {
    const failed: { key: string; reason: string }[] = [];
    // unlinks wait on the disk in the thread pool: several at once, leaving pool threads for reads and writes
    let next = 0;
    const lane = async () => {
      for (let key = keys[next++]; key !== undefined; key = keys[next++]) {
        try {
          await this.delete(key);
        } catch (error) {
          failed.push({ key, reason: (error as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_DELETES, keys.length) }, lane));
    return { failed };
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    if (!(await this.stat(from))) throw new BlobNotFoundError(from);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    try {
      await fsp.rename(source, target);
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFoundError(from);
      throw error;
    }
  }

  async presignedReadUrl(): Promise<string | null> {
    return null;
  }

  async createAppendable(key: string): Promise<AppendableObject> {
    assertValidKey(key);
    // the file is made by the first append: an upload whose bytes never reach storage (its one
    // small chunk kept in the session row) or that receives none costs no file
    const state: FilesystemAppendState = { path: `_staging/${randomUUID()}` };
    return { key, size: 0, state: { ...state } };
  }

  async append(object: AppendableObject, body: Readable): Promise<AppendableObject> {
    const source = claimBody(body);
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await this.openStaging(object);
      const { size: onDisk } = await handle.stat();
      if (onDisk < object.size) throw new Error(`staging file of ${object.key} holds ${onDisk} bytes, its state says ${object.size}`);
      // writing from object.size (not appending) overwrites whatever a failed earlier append left
      let position = object.size;
      for await (const bytes of sizedChunks(source)) {
        await handle.write(bytes, 0, bytes.length, position);
        position += bytes.length;
      }
      await handle.truncate(position);
      return { key: object.key, size: position, state: { ...object.state } };
    } catch (error) {
      source.destroy();
      if (!handle && isMissing(error)) throw new BlobNotFoundError(object.key);
      // a failed chunk gives its bytes back at once (on a full disk they are what fills it); the state stays at object.size
      await handle?.truncate(object.size).catch(() => undefined);
      throw error;
    } finally {
      await handle?.close();
    }
  }

  async seal(object: AppendableObject): Promise<void> {
    const staging = this.stagingPathOf(object);
    const target = this.pathOf(object.key);
    try {
      // a failed last append may have left bytes past object.size
      await fsp.truncate(staging, object.size);
    } catch (error) {
      if (!isMissing(error)) throw error;
      // a retried seal: the first one already renamed the staging file into place
      if ((await this.stat(object.key))?.size === object.size) return;
      // nothing was ever appended: no staging file was made
      if (object.size === 0) return this.write(object.key, Buffer.alloc(0), 0);
      throw new BlobNotFoundError(object.key);
    }
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.rename(staging, target);
  }

  async abort(object: AppendableObject): Promise<void> {
    await fsp.rm(this.stagingPathOf(object), { force: true });
  }

  async *listLeftovers(before: Date): AsyncIterable<StorageLeftover> {
    for (const dir of LEFTOVER_DIRS) {
      const names = await fsp.readdir(path.join(this.root, dir)).catch((error: unknown) => {
        if (isMissing(error)) return [];
        throw error;
      });
      for (const name of names) {
        const id = `${dir}/${name}`;
        if (!LEFTOVER_PATH.test(id)) continue;
        // mtime moves with every write, so a write still in progress is never old enough
        const info = await fsp.stat(path.join(this.root, id)).catch(() => null);
        if (info?.isFile() && info.mtime < before) yield { id, key: '', since: info.mtime };
      }
    }
  }

  async removeLeftover(leftover: StorageLeftover): Promise<void> {
    if (!LEFTOVER_PATH.test(leftover.id)) throw new Error(`not a filesystem leftover: ${leftover.id}`);
    await fsp.rm(path.join(this.root, leftover.id), { force: true });
  }

  leftoversOf(object: AppendableObject): string[] {
    return [path.relative(this.root, this.stagingPathOf(object)).split(path.sep).join('/')];
  }

  /** Opens a new temp file for writing, making `_tmp` the first time (or again, if it was removed). */
  private async openTmp(tmp: string): Promise<fsp.FileHandle> {
    if (this.tmpDirMade) {
      try {
        return await fsp.open(tmp, 'w');
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    await fsp.mkdir(path.dirname(tmp), { recursive: true });
    this.tmpDirMade = true;
    return fsp.open(tmp, 'w');
  }

  /** The staging file, made (empty) by the appendable's first append; a later append needs it there. */
  private async openStaging(object: AppendableObject): Promise<fsp.FileHandle> {
    const staging = this.stagingPathOf(object);
    if (object.size > 0) return fsp.open(staging, 'r+');
    try {
      return await fsp.open(staging, 'w');
    } catch (error) {
      if (!isMissing(error)) throw error;
      await fsp.mkdir(path.dirname(staging), { recursive: true });
      return fsp.open(staging, 'w');
    }
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  /** The state comes back from the database: make sure it still names a file of ours. */
  private stagingPathOf(object: AppendableObject): string {
    assertValidKey(object.key);
    const relative = (object.state as Partial<FilesystemAppendState>).path;
    if (typeof relative !== 'string' || !STAGING_PATH.test(relative)) {
      throw new Error(`not a filesystem appendable state: ${JSON.stringify(object.state)}`);
    }
    return path.join(this.root, relative);
  }
}
