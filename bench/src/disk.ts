import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Flushes dirty pages before a blob measurement, so one registry's measurement does not pay
 * for the write-back of the bytes the previous one (or its warm-up) left in the page cache.
 */
export async function settleDisk(): Promise<void> {
  await promisify(execFile)('sync');
}
