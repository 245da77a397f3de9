/**
 * Argument rules shared by every adapter, so that what one accepts the other accepts too, and no
 * key can name a path outside the filesystem adapter's root.
 */
import type { ByteRange } from './blob-driver';

/** First segments the filesystem adapter keeps for itself (temp files, appendable staging). */
const RESERVED_FIRST_SEGMENTS = new Set(['_tmp', '_staging']);

export class InvalidBlobKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid blob key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidBlobKeyError';
  }
}

/** Throws InvalidBlobKeyError unless `key` is a '/'-separated relative path of plain segments. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidBlobKeyError(key, 'empty');
  if (key.length > 1024) throw new InvalidBlobKeyError(key, 'longer than 1024 characters');
  if (key.includes('\0') || key.includes('\\')) throw new InvalidBlobKeyError(key, 'contains NUL or a backslash');
  if (key.startsWith('/')) throw new InvalidBlobKeyError(key, 'absolute');
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidBlobKeyError(key, 'empty, "." or ".." segment');
    }
  }
  if (RESERVED_FIRST_SEGMENTS.has(segments[0])) throw new InvalidBlobKeyError(key, `"${segments[0]}/" is reserved`);
}

/**
 * Throws RangeError unless `range` is a well-formed inclusive range (S3 would silently answer
 * a malformed Range header with the whole object).
 */
export function assertValidRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range ${start}-${end}`);
  }
}

/** The error both adapters raise for a range that starts at or past the end of the object. */
export function unsatisfiableRange(key: string, range: ByteRange, size?: number): RangeError {
  return new RangeError(`byte range ${range.start}-${range.end} starts past the end of ${key}${size === undefined ? '' : ` (${size} bytes)`}`);
}
