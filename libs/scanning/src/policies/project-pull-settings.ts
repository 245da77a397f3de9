import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { EpochCheckedMemo, projectSettingsEpochs, RevocationEpochs } from '@wharf/iam';

/** The project metadata keys pull policies read. */
export const PULL_POLICY_KEYS = ['prevent_vul', 'severity', 'enable_content_trust', 'enable_content_trust_cosign', 'reuse_sys_cve_allowlist', 'proxy_scan_before_serve'];

export interface ProjectPullSettings {
  projectId: number;
  /** the PULL_POLICY_KEYS the project has set */
  values: ReadonlyMap<string, string>;
}

/**
 * A project's pull-policy settings, asked by every manifest GET (HEAD asks none), remembered in
 * this process so a pull costs no database read for them: the read took as long as the rest of a
 * cached manifest GET. A change of the project's metadata marks its settings epoch before and
 * after the write (ProjectService, RevocationEpochs), and deleting a project ends its access
 * epoch; either forgets what was read before it, on every replica within about a second
 * (EpochCheckedMemo). While those epochs cannot be read (Redis), the settings are read from the
 * database each time. A project that does not exist is not remembered (its name may be taken the
 * next moment).
 */
@Injectable()
export class ProjectPullSettingsReader {
  private readonly memo: EpochCheckedMemo<string, ProjectPullSettings | null>;

  constructor(
    private readonly sql: SqlClient,
    epochs: RevocationEpochs,
  ) {
    this.memo = new EpochCheckedMemo({ changedSince: projectSettingsEpochs(epochs) });
  }

  async of(projectName: string): Promise<ProjectPullSettings | null> {
    return this.memo.get(projectName, () => this.read(projectName), { keep: (settings) => settings !== null });
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
}
