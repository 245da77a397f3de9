import { opendir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** One record file of an export: its name (for errors) and its text, read when asked. */
export interface OsvSourceEntry {
  name: string;
  text(): Promise<string>;
}

/** A single record larger than this is refused (the largest osv.dev records are a few MiB). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/**
 * The `*.json` records of an OSV export, one at a time: an `all.zip` as osv.dev publishes it
 * (read entry by entry through yauzl's central directory, never the whole archive in memory), a
 * directory (walked recursively) or a single `.json` file.
 */
export async function* osvSourceEntries(path: string): AsyncGenerator<OsvSourceEntry> {
  const info = await stat(path);
  if (info.isDirectory()) yield* directoryEntries(path);
  else if (path.endsWith('.json')) yield { name: path, text: () => readFile(path, 'utf8') };
  else yield* zipEntries(path);
}

async function* directoryEntries(directory: string): AsyncGenerator<OsvSourceEntry> {
  const dir = await opendir(directory);
  const subdirectories: string[] = [];
  for await (const entry of dir) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) subdirectories.push(path);
    else if (entry.isFile() && entry.name.endsWith('.json')) yield { name: path, text: () => readFile(path, 'utf8') };
  }
  for (const subdirectory of subdirectories.sort()) yield* directoryEntries(subdirectory);
}

async function* zipEntries(path: string): AsyncGenerator<OsvSourceEntry> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (error, opened) =>
      error ? reject(new Error(`${path}: not a readable zip archive (${error.message})`)) : resolve(opened),
    ),
  );
  try {
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) return;
      if (entry.fileName.endsWith('/') || !entry.fileName.endsWith('.json')) continue;
      if (entry.uncompressedSize > MAX_RECORD_BYTES) throw new Error(`${path}: ${entry.fileName} is larger than ${MAX_RECORD_BYTES} bytes`);
      yield { name: `${path}:${entry.fileName}`, text: () => readEntry(zip, entry) };
    }
  } finally {
    zip.close();
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.removeListener('entry', onEntry);
      zip.removeListener('end', onEnd);
      zip.removeListener('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => (cleanup(), resolve(entry));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (error: Error) => (cleanup(), reject(error));
    zip.once('entry', onEntry);
    zip.once('end', onEnd);
    zip.once('error', onError);
    zip.readEntry();
  });
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (error, opened) => (error ? reject(error) : resolve(opened))));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
