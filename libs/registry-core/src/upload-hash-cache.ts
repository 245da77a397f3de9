import type { Hash } from 'node:crypto';

interface Entry {
  version: number;
  size: number;
  hash: Hash;
}

const MAX_ENTRIES = 2000;

/**
 * Running digests of uploads this process appended to last, so finishing an upload on the
 * same process does not read the bytes back. Only an optimisation: an entry counts only when
 * its version and size match the session row, and without one the upload is re-hashed from
 * storage, so an upload continued on another replica is verified just the same.
 */
export class UploadHashCache {
  private readonly entries = new Map<string, Entry>();

  get(uploadId: string, version: number, size: number): Hash | undefined {
    const entry = this.entries.get(uploadId);
    if (!entry || entry.version !== version || entry.size !== size) return undefined;
    return entry.hash.copy();
  }

  /** Whether this process appended to the upload (it holds bytes), whatever the version. */
  has(uploadId: string): boolean {
    return this.entries.has(uploadId);
  }

  set(uploadId: string, version: number, size: number, hash: Hash): void {
    this.entries.delete(uploadId);
    this.entries.set(uploadId, { version, size, hash });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(uploadId: string): void {
    this.entries.delete(uploadId);
  }
}
