import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface TarLimits {
  /** the most archive bytes (after gunzip) read before giving up */
  maxArchiveBytes: number;
  /** the most bytes kept of one wanted file */
  maxFileBytes: number;
}

export interface TarEntry {
  name: string;
  size: number;
}

/** The archive is not what it claims to be (not gzip, not tar, too large): additions answer 404 with this reason. */
export class ArchiveError extends Error {}

const BLOCK = 512;

/**
 * Streams a tar (optionally gzipped) and keeps the regular files `wanted` picks, each up to
 * `maxFileBytes`; stops as soon as every wanted file was seen when `stopWhen` says so. Knows
 * ustar names with prefix, GNU long names (`L`) and pax `path` records: what `helm package`
 * and common tar writers produce. Never holds more than one block plus the kept files.
 */
export async function readTar(
  source: Readable,
  options: { gzip: boolean; wanted: (name: string) => boolean; limits: TarLimits; stopWhen?: (found: Map<string, Buffer>) => boolean },
): Promise<{ files: Map<string, Buffer>; entries: TarEntry[] }> {
  const stream: Readable = options.gzip ? source.pipe(createGunzip()) : source;
  if (options.gzip) source.on('error', (error) => stream.destroy(error));
  const files = new Map<string, Buffer>();
  const entries: TarEntry[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let total = 0;
  // state of the entry being read
  let remaining = 0;
  let padding = 0;
  let current: { name: string; keep: boolean; chunks: Buffer[]; kept: number; kind: 'file' | 'longname' | 'pax' | 'skip' } | null = null;
  let nextName: string | undefined;
  let zeroBlocks = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > options.limits.maxArchiveBytes) throw new ArchiveError(`archive is larger than ${options.limits.maxArchiveBytes} bytes`);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (current) {
          if (remaining > 0) {
            if (pending.length === 0) break;
            const take = Math.min(remaining, pending.length);
            const part = pending.subarray(0, take);
            if (current.kind !== 'skip' && current.kept < options.limits.maxFileBytes) {
              const room = options.limits.maxFileBytes - current.kept;
              current.chunks.push(Buffer.from(part.subarray(0, room)));
              current.kept += Math.min(room, part.length);
            }
            pending = pending.subarray(take);
            remaining -= take;
            if (remaining > 0) break;
          }
          if (padding > 0) {
            if (pending.length < padding) {
              padding -= pending.length;
              pending = Buffer.alloc(0);
              break;
            }
            pending = pending.subarray(padding);
            padding = 0;
          }
          const data = Buffer.concat(current.chunks);
          if (current.kind === 'longname') nextName = data.toString('utf8').replace(/\0.*$/s, '');
          else if (current.kind === 'pax') nextName = paxPath(data) ?? nextName;
          else if (current.kind === 'file' && current.keep) files.set(current.name, data);
          current = null;
          if (options.stopWhen?.(files)) return { files, entries };
          continue;
        }
        if (pending.length < BLOCK) break;
        const header = pending.subarray(0, BLOCK);
        pending = pending.subarray(BLOCK);
        if (header.every((b) => b === 0)) {
          zeroBlocks += 1;
          if (zeroBlocks === 2) return { files, entries };
          continue;
        }
        zeroBlocks = 0;
        if (!validChecksum(header)) throw new ArchiveError('not a tar archive (bad header checksum)');
        const size = parseOctal(header.subarray(124, 136));
        const type = String.fromCharCode(header[156] || 0x30);
        const prefix = cString(header.subarray(345, 500));
        const headerName = cString(header.subarray(0, 100));
        const name = nextName ?? (prefix ? `${prefix}/${headerName}` : headerName);
        remaining = size;
        padding = (BLOCK - (size % BLOCK)) % BLOCK;
        if (type === 'L') {
          current = { name, keep: true, chunks: [], kept: 0, kind: 'longname' };
        } else if (type === 'x') {
          current = { name, keep: true, chunks: [], kept: 0, kind: 'pax' };
        } else {
          nextName = undefined;
          const regular = type === '0' || type === '\0' || type === '7';
          if (regular) entries.push({ name, size });
          const keep = regular && options.wanted(name);
          current = { name, keep, chunks: [], kept: 0, kind: keep ? 'file' : 'skip' };
        }
      }
    }
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    if ((error as { code?: string }).code?.startsWith('Z_')) throw new ArchiveError('not a gzip archive');
    throw error;
  } finally {
    stream.destroy();
    source.destroy();
  }
  if (current || remaining > 0) throw new ArchiveError('tar archive ends in the middle of an entry');
  return { files, entries };
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

function parseOctal(bytes: Buffer): number {
  // GNU base-256 for large sizes
  if (bytes[0] & 0x80) {
    let value = 0;
    for (let i = 1; i < bytes.length; i += 1) value = value * 256 + bytes[i];
    return value;
  }
  const text = cString(bytes).trim();
  const value = text ? parseInt(text, 8) : 0;
  if (!Number.isSafeInteger(value) || value < 0) throw new ArchiveError('not a tar archive (bad size)');
  return value;
}

function validChecksum(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return parseOctal(header.subarray(148, 156)) === sum;
}

function paxPath(data: Buffer): string | undefined {
  for (const record of data.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/s.exec(record);
    if (match) return match[1];
  }
  return undefined;
}
