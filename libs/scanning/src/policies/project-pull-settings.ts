import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { RevocationEpochs } from '@wharf/iam';

/** The project metadata keys pull policies read. */
export const PULL_POLICY_KEYS = ['prevent_vul', 'severity', 'enable_content_trust', 'enable_content_trust_cosign', 'reuse_sys_cve_allowlist', 'proxy_scan_before_serve'];

export interface ProjectPullSettings {
  projectId: number;
  /** the PULL_POLICY_KEYS the project has set */
  values: ReadonlyMap<string, string>;
}

// an upper bound on trusting what was read: the settings epochs make changes count within a second
const REMEMBER_MS = 60_000;
const REMEMBERED_MAX = 10_000;

interface Remembered {
  settings: ProjectPullSettings;
  /** when it was read (taken before the read): a change marked since forgets it */
  readAt: number;
}

/**
 * A project's pull-policy settings, asked by every manifest GET (HEAD asks none), remembered in
 * this process so a pull costs no database read for them: the read took as long as the rest of a
 * cached manifest GET. A change of the project's metadata marks its settings epoch before and
 * after the write (ProjectService, RevocationEpochs), and deleting a project ends its access
 * epoch; either forgets what was read before it, on every replica within about a second. While
 * those epochs cannot be read (Redis), the settings are read from the database each time. A
 * project that does not exist is not remembered (its name may be taken the next moment).
 */
@Injectable()
export class ProjectPullSettingsReader {
  private readonly remembered = new Map<string, Remembered>();

  constructor(
    private readonly sql: SqlClient,
    private readonly epochs: RevocationEpochs,
  ) {}

  async of(projectName: string): Promise<ProjectPullSettings | null> {
    const known = this.remembered.get(projectName);
    if (known && (await this.stillValid(projectName, known))) return known.settings;
    const readAt = Date.now();
    const settings = await this.read(projectName);
    if (settings) this.remember(projectName, { settings, readAt });
    else this.remembered.delete(projectName);
    return settings;
  }

  private async stillValid(projectName: string, known: Remembered): Promise<boolean> {
    if (Date.now() - known.readAt >= REMEMBER_MS) return false;
    try {
      const [changed, accessEnded] = await Promise.all([
        this.epochs.projectSettingsChangedSince(projectName, known.readAt),
        this.epochs.projectAccessRevokedSince(projectName, known.readAt),
      ]);
      return !changed && !accessEnded;
    } catch {
      // whether they changed is unknown: the database says
      return false;
    }
  }

  private async read(projectName: string): Promise<ProjectPullSettings | null> {
    const rows = await this.sql.query<{ project_id: number; name: string | null; value: string | null }>(
      `SELECT p.project_id, m.name, m.value FROM project p LEFT JOIN project_metadata m ON m.project_id = p.project_id AND m.name = ANY($2::text[])
        WHERE p.name = $1`,
      [projectName, PULL_POLICY_KEYS],
    );
    if (rows.length === 0) return null;
    return { projectId: rows[0].project_id, values: new Map(rows.filter((r) => r.name !== null).map((r) => [r.name as string, r.value ?? ''])) };
  }

  private remember(projectName: string, entry: Remembered): void {
    this.remembered.delete(projectName);
    if (this.remembered.size >= REMEMBERED_MAX) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(projectName, entry);
  }
}
