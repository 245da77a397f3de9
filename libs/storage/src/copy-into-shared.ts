/**
 * Copies `source` from `sourceStart` into `target` (shared memory) at `targetStart`, as much as
 * fits; returns the number of bytes copied (as Buffer#copy does).
 *
 * Buffer#copy into a SharedArrayBuffer goes through V8's relaxed atomic memmove, which copies
 * byte by byte whenever the two addresses are not aligned alike, as a network chunk's bytes
 * seldom are: 262 MB of 64 KiB chunks took 82-133 ms against 8-11 ms with memcpy, and in a cold
 * proxy pull that copy was a tenth of the api's CPU. Buffer#fill with a buffer value copies it
 * with memcpy; it repeats the value only past the value's length, which this never asks for.
 */
export function copyIntoShared(source: Buffer, target: Buffer, targetStart: number, sourceStart = 0): number {
  const length = Math.min(source.length - sourceStart, target.length - targetStart);
  if (length <= 0) return 0;
  target.fill(source.subarray(sourceStart, sourceStart + length), targetStart, targetStart + length);
  return length;
}
