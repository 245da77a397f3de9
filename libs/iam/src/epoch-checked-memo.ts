import type { RevocationEpochs } from './revocation-epochs';

/**
 * The epochs (RevocationEpochs) an entry of `key` depends on, asked whether each moved since the
 * entry was read at `readAt` (unix ms): one promise per epoch, true when that one moved.
 */
export type EpochChecks<K> = (key: K, readAt: number) => Promise<boolean>[];

/** What is remembered about a project by its name: its settings epoch (its metadata, its storage limit) and its access epoch (deleted, made private). */
export function projectSettingsEpochs(epochs: RevocationEpochs): EpochChecks<string> {
  return (projectName, readAt) => [epochs.projectSettingsChangedSince(projectName, readAt), epochs.projectAccessRevokedSince(projectName, readAt)];
}

export interface EpochCheckedMemoOptions<K> {
  /** the epochs an entry depends on: any of them moved since it was read forgets it */
  changedSince: EpochChecks<K>;
  /** what entries are told apart by (a Map key); by default `key` itself, for a string or a number */
  idOf?: (key: K) => unknown;
}

// an upper bound on trusting what was read: the epochs make changes count within a second
const REMEMBER_MS = 60_000;
const REMEMBERED_MAX = 10_000;

interface Remembered<V> {
  value: V;
  /** when it was read (taken before the read): an epoch moved since forgets it */
  readAt: number;
}

const always = (): boolean => true;

/**
 * Values read from the database, remembered in this process while the epochs they depend on
 * (RevocationEpochs: a change marks its epoch before and after it) have not moved since they were
 * read: so a change forgets them at once on the replica that made it and within about a second on
 * the others. While those epochs cannot be read (Redis), nothing remembered is trusted: the value
 * is read again each time. Bounded: at most 10,000 entries (the one written longest ago goes
 * first) and none older than a minute.
 */
export class EpochCheckedMemo<K, V> {
  private readonly remembered = new Map<unknown, Remembered<V>>();
  private readonly idOf: (key: K) => unknown;

  constructor(private readonly options: EpochCheckedMemoOptions<K>) {
    this.idOf = options.idOf ?? ((key) => key);
  }

  /**
   * The value remembered for `key` when `usable` accepts it and none of its epochs moved since it
   * was read; else `read()`'s, remembered when `keep` accepts it (else the entry is forgotten).
   */
  async get(key: K, read: () => Promise<V>, { usable = always, keep = always }: { usable?: (value: V) => boolean; keep?: (value: V) => boolean } = {}): Promise<V> {
    const id = this.idOf(key);
    const known = this.remembered.get(id);
    if (known && usable(known.value) && (await this.unchanged(key, known.readAt))) return known.value;
    const readAt = Date.now();
    const value = await read();
    if (keep(value)) this.remember(id, { value, readAt });
    else this.remembered.delete(id);
    return value;
  }

  private async unchanged(key: K, readAt: number): Promise<boolean> {
    if (Date.now() - readAt >= REMEMBER_MS) return false;
    try {
      const moved = await Promise.all(this.options.changedSince(key, readAt));
      return !moved.some(Boolean);
    } catch {
      // whether it changed is unknown (RevocationStateUnavailable): the database says
      return false;
    }
  }

  private remember(id: unknown, entry: Remembered<V>): void {
    this.remembered.delete(id);
    if (this.remembered.size >= REMEMBERED_MAX) this.remembered.delete(this.remembered.keys().next().value);
    this.remembered.set(id, entry);
  }
}
