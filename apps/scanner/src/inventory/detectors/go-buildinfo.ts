/**
 * Go's build information, as `go version -m` reads it (debug/buildinfo): a 32-byte header starting
 * with `\xff Go buildinf:` (pointer size at 14, flags at 15), then, for binaries of Go 1.18 and
 * later (flag 0x2, "version inline"), two varint-prefixed strings: the Go version and the module
 * information (`path`, `mod`, `dep`, `=>` lines, framed by 16-byte sentinels). Older binaries keep
 * pointers to these strings instead, which would need the executable's address map: they are
 * not read (Go 1.17 is out of support since 2022).
 */
export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const FLAG_VERSION_INLINE = 0x2;
/** the longest module information kept (large Kubernetes binaries have ~100 KiB) */
export const MAX_BUILDINFO_BYTES = 4 * 1024 * 1024;

export interface GoBuildInfo {
  goVersion: string;
  /** the main package's import path */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
}

export interface GoModule {
  path: string;
  version: string;
}

/** What the bytes from a magic on say: need more, not build info (a stray copy of the magic), or the info. */
export type ParseOutcome = { state: 'more' } | { state: 'invalid' } | { state: 'unsupported' } | { state: 'done'; info: GoBuildInfo };

export function parseBuildInfoAt(data: Buffer): ParseOutcome {
  if (data.length < HEADER_SIZE) return { state: 'more' };
  if (!data.subarray(0, BUILDINFO_MAGIC.length).equals(BUILDINFO_MAGIC)) return { state: 'invalid' };
  const ptrSize = data[14];
  const flags = data[15];
  if (ptrSize !== 4 && ptrSize !== 8) return { state: 'invalid' };
  if ((flags & FLAG_VERSION_INLINE) === 0) return { state: 'unsupported' };
  const version = readString(data, HEADER_SIZE, 64);
  if (version.state !== 'done') return version;
  if (!version.value.startsWith('go')) return { state: 'invalid' };
  const modinfo = readString(data, version.next, MAX_BUILDINFO_BYTES);
  if (modinfo.state !== 'done') return modinfo;
  let mod = modinfo.value;
  // the module information is framed by two 16-byte sentinels
  if (mod.length >= 33 && mod[mod.length - 17] === '\n') mod = mod.slice(16, -16);
  else mod = '';
  return { state: 'done', info: { goVersion: version.value, ...parseModInfo(mod) } };
}

function readString(data: Buffer, offset: number, max: number): { state: 'more' } | { state: 'invalid' } | { state: 'done'; value: string; next: number } {
  let length = 0;
  let shift = 0;
  let at = offset;
  for (;;) {
    if (at >= data.length) return { state: 'more' };
    const byte = data[at++];
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
    if (shift > 35) return { state: 'invalid' };
  }
  if (length > max) return { state: 'invalid' };
  if (at + length > data.length) return { state: 'more' };
  return { state: 'done', value: data.toString('utf8', at, at + length), next: at + length };
}

/** `path`, `mod`, `dep` and `=>` (replaces the line before) lines, tab-separated. */
export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const info: Omit<GoBuildInfo, 'goVersion'> = { deps: [] };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const [kind, path, version] = line.split('\t');
    if (kind === 'path') info.path = path;
    else if (kind === 'mod') last = info.main = { path, version: version ?? '' };
    else if (kind === 'dep') info.deps.push((last = { path, version: version ?? '' }));
    else if (kind === '=>' && last && version) {
      // a replacement by a local directory has no version: the module keeps the one it replaced
      last.path = path;
      last.version = version;
    }
  }
  return info;
}

/** Finds the build information in a binary handed over chunk by chunk, keeping at most a few MiB. */
export class BuildInfoScanner {
  private window: Buffer = Buffer.alloc(0);
  private outcome: GoBuildInfo | null | undefined;

  get result(): GoBuildInfo | null {
    return this.outcome ?? null;
  }

  get finished(): boolean {
    return this.outcome !== undefined;
  }

  push(chunk: Buffer): void {
    if (this.outcome !== undefined) return;
    this.window = this.window.length ? Buffer.concat([this.window, chunk]) : chunk;
    for (;;) {
      const at = this.window.indexOf(BUILDINFO_MAGIC);
      if (at < 0) {
        // keep what could be the start of a magic split across chunks
        this.window = Buffer.from(this.window.subarray(Math.max(0, this.window.length - (BUILDINFO_MAGIC.length - 1))));
        return;
      }
      this.window = this.window.subarray(at);
      const parsed = parseBuildInfoAt(this.window);
      if (parsed.state === 'done') {
        this.outcome = parsed.info;
        this.window = Buffer.alloc(0);
        return;
      }
      if (parsed.state === 'unsupported') {
        this.outcome = null;
        this.window = Buffer.alloc(0);
        return;
      }
      if (parsed.state === 'more' && this.window.length <= MAX_BUILDINFO_BYTES + 64) return;
      // a copy of the magic in the program's data (a binary that reads build info itself): look on
      this.window = this.window.subarray(1);
    }
  }
}
