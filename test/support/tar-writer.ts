import { gzipSync } from 'node:zlib';

/** A file of a layer: its content and, when not 0644, its mode (0755 for an executable). */
export interface TarFile {
  content: string | Buffer;
  mode?: number;
}

/**
 * A minimal ustar archive of regular files (what a Helm chart tarball or a model layer holds).
 * Names longer than 100 bytes are split into ustar's prefix and name fields.
 */
export function tarOf(files: Record<string, string | Buffer | TarFile>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, entry] of Object.entries(files)) {
    const file: TarFile = typeof entry === 'string' || Buffer.isBuffer(entry) ? { content: entry } : entry;
    const data = Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content);
    const header = Buffer.alloc(512);
    const [prefix, base] = splitName(name);
    header.write(base, 0, 100, 'utf8');
    header.write(`${(file.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    header.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    if (prefix) header.write(prefix, 345, 155, 'utf8');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function splitName(name: string): [string, string] {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let at = name.indexOf('/'); at >= 0; at = name.indexOf('/', at + 1)) {
    if (Buffer.byteLength(name.slice(0, at)) <= 155 && Buffer.byteLength(name.slice(at + 1)) <= 100) return [name.slice(0, at), name.slice(at + 1)];
  }
  throw new Error(`tar name too long for ustar: ${name}`);
}

export const tarGzOf = (files: Record<string, string | Buffer | TarFile>): Buffer => gzipSync(tarOf(files));
