/**
 * The union file system of an image, reduced to the files the detectors kept: each layer's files
 * replace the same paths below, and its OCI whiteouts (`.wh.<name>` deletes `<name>` and what is
 * under it, `.wh..wh..opq` empties its directory) remove what the layers below put there.
 * Whiteouts apply to lower layers only, so a layer's own files are laid over after its deletions.
 */
export class LayerOverlay<T> {
  private readonly files = new Map<string, T>();

  /** What is visible at `path` now (from a lower layer: a hard link's target). */
  get(path: string): T | undefined {
    return this.files.get(path);
  }

  apply(layer: LayerChanges<T>): void {
    for (const path of layer.replaced) this.files.delete(path);
    for (const path of layer.whiteouts) this.removeTree(path);
    for (const dir of layer.opaqueDirs) this.removeTree(dir, false);
    for (const [path, value] of layer.files) this.files.set(path, value);
  }

  entries(): IterableIterator<[string, T]> {
    return this.files.entries();
  }

  private removeTree(path: string, includingSelf = true): void {
    const prefix = path === '' ? '' : `${path}/`;
    if (includingSelf) this.files.delete(path);
    for (const key of [...this.files.keys()]) if (key.startsWith(prefix)) this.files.delete(key);
  }
}

/** One layer's effect on the overlay. */
export interface LayerChanges<T> {
  /** files the detectors kept, by path */
  files: Map<string, T>;
  /** paths of lower files this layer overwrote with something no detector keeps (a symlink, a larger file) */
  replaced: string[];
  /** `dir/name` for each `dir/.wh.name` */
  whiteouts: string[];
  /** `dir` for each `dir/.wh..wh..opq` ('' for the root) */
  opaqueDirs: string[];
}

/** `./usr//lib/` → `usr/lib` */
export function normalizeLayerPath(name: string): string {
  return name
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** The path a whiteout entry removes, or the directory an opaque whiteout empties. */
export function whiteoutOf(path: string): { kind: 'file'; target: string } | { kind: 'opaque'; dir: string } | null {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base === '.wh..wh..opq') return { kind: 'opaque', dir };
  if (base.startsWith('.wh.')) return { kind: 'file', target: dir ? `${dir}/${base.slice(4)}` : base.slice(4) };
  return null;
}
