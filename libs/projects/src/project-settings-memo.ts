import type { RevocationEpochs } from '@wharf/iam';

// an upper bound on trusting what was read: the epochs make changes count within a second
const REMEMBER_MS = 60_000;
const REMEMBERED_MAX = 10_000;

interface Remembered<T> {
  value: T;
  /** the project's name when read: the epochs are kept by name */
  projectName: string;
  /** when it was read (taken before the read): a change marked since forgets it */
  readAt: number;
}

/**
 * Something read about a project, remembered in this process until the project's settings epoch
 * (every write of its metadata or storage limit marks it before and after, ProjectService) or
 * its access epoch (a delete, going private) says it changed since: at once on the replica that
 * made the change, within about a second on the others (RevocationEpochs). While those epochs
 * cannot be read (Redis), nothing remembered is trusted: the caller reads again. Bounded in size
 * and age, like the pull-settings memo (ProjectPullSettingsReader) built the same way.
 */
export class ProjectSettingsMemo<K, T> {
  private readonly remembered = new Map<K, Remembered<T>>();

  constructor(private readonly epochs: RevocationEpochs) {}

  /** The value remembered under `key` for project `projectName`, if nothing changed it since; else `read()`'s, remembered unless `keep` refuses it. */
  async get(key: K, projectName: string, read: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const known = this.remembered.get(key);
    if (known && known.projectName === projectName && (await this.stillValid(known))) return known.value;
    const readAt = Date.now();
    const value = await read();
    if (keep(value)) this.remember(key, { value, projectName, readAt });
    else this.remembered.delete(key);
    return value;
  }

  private async stillValid(known: Remembered<T>): Promise<boolean> {
    if (Date.now() - known.readAt >= REMEMBER_MS) return false;
    try {
      const [changed, accessEnded] = await Promise.all([
        this.epochs.projectSettingsChangedSince(known.projectName, known.readAt),
        this.epochs.projectAccessRevokedSince(known.projectName, known.readAt),
      ]);
      return !changed && !accessEnded;
    } catch {
      // whether it changed is unknown: the database says
      return false;
    }
  }

  private remember(key: K, entry: Remembered<T>): void {
    this.remembered.delete(key);
    if (this.remembered.size >= REMEMBERED_MAX) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(key, entry);
  }
}
