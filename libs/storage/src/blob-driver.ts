import type { Readable } from 'node:stream';

/**
 * The storage port: a streaming key/value object store with no OCI knowledge.
 * Adapters: filesystem (embedded default) and S3. Keys are '/'-separated relative paths.
 */

/** Inclusive byte range, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredObjectInfo {
  size: number;
}

/**
 * A staging object that grows by appends across requests and processes.
 * `state` is adapter-owned, JSON-serialisable, and persisted by the caller (upload_session row);
 * any process holding it can append, seal or abort. Appends are deterministic, so a retried
 * append after a failed one (same starting state) overwrites whatever the failed one left.
 */
export interface AppendableObject {
  key: string;
  /** bytes durably appended so far */
  size: number;
  state: Record<string, unknown>;
}

/**
 * What a write or an appendable left behind when nothing finished or discarded it (its process
 * was killed mid-way, a session row was removed without its storage): a filesystem temp or
 * staging file, an S3 multipart upload or appendable tail.
 */
export interface StorageLeftover {
  /** the adapter's name for it (a file under the root; a multipart upload or a tail object) */
  id: string;
  /** the key it was being written to ('' when the adapter cannot tell) */
  key: string;
  /** last written (filesystem) or started (S3) */
  since: Date;
}

export interface BlobDriver {
  readonly name: 'filesystem' | 's3';

  /** null when the object does not exist */
  stat(key: string): Promise<StoredObjectInfo | null>;

  /** Streams the object (or a range of it). Throws BlobNotFoundError when absent. */
  read(key: string, range?: ByteRange): Promise<Readable>;

  /**
   * Stores `body` under `key`. The object becomes visible only when the stream ends without
   * error (and, when `size` is given, after exactly `size` bytes); a failed or short write leaves
   * nothing behind and never replaces an existing object with partial content.
   */
  write(key: string, body: Readable | Buffer, size?: number): Promise<void>;

  /** Idempotent: deleting a missing object succeeds. */
  delete(key: string): Promise<void>;

  /** Batch delete (S3 DeleteObjects, 1000 a request); reports keys that could not be deleted. */
  deleteMany(keys: string[]): Promise<{ failed: { key: string; reason: string }[] }>;

  /** Moves an object; `to` becomes visible whole or not at all. */
  move(from: string, to: string): Promise<void>;

  /** A time-limited URL a client can GET directly, or null when the driver has no such thing. */
  presignedReadUrl(key: string, expiresInSeconds: number): Promise<string | null>;

  /** Starts an appendable staging object at `key` (nothing is visible at `key` until sealed). */
  createAppendable(key: string): Promise<AppendableObject>;

  /**
   * Appends the whole stream and returns the new state. If the stream errors, throws and the
   * previous state stays valid (the caller keeps it).
   */
  append(object: AppendableObject, body: Readable): Promise<AppendableObject>;

  /** Makes the appended bytes a complete object at `object.key`. */
  seal(object: AppendableObject): Promise<void>;

  /** Discards the staging object and everything it holds (S3: aborts the multipart upload). */
  abort(object: AppendableObject): Promise<void>;

  /**
   * Leftovers not written to since `before` (the filesystem) or started before it (S3), in use
   * or not: the caller keeps those an appendable it still holds names (`leftoversOf`) and removes
   * the rest. Writes in progress are never listed while they make progress (filesystem) or for
   * as long as `before` allows (S3), so pick it well past the longest write.
   */
  listLeftovers(before: Date): AsyncIterable<StorageLeftover>;

  /** Removes a leftover (idempotent: one already gone is fine). */
  removeLeftover(leftover: StorageLeftover): Promise<void>;

  /** The ids of the leftovers an appendable in use holds (its staging file; its multipart upload and tail). */
  leftoversOf(object: AppendableObject): string[];
}

export const BLOB_DRIVER = Symbol('BLOB_DRIVER');

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`blob not found: ${key}`);
    this.name = 'BlobNotFoundError';
  }
}

/** Raised when a write's body ends before (or runs past) its declared size. */
export class BlobSizeMismatchError extends Error {
  constructor(readonly expected: number, readonly actual: number) {
    super(`expected ${expected} bytes, received ${actual}`);
    this.name = 'BlobSizeMismatchError';
  }
}
